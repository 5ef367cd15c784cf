package dev.ferry.watcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.watcher.control.ByteSize;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The screen of {@code ferry-watcher status}: the running watcher's GET /status in words. */
final class StatusScreen {
    static final int CHANGES_SHOWN = 10;
    private static final String INDENT = "               ";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private StatusScreen() {
    }

    static String render(JsonNode s, String asked, Instant now, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        b.append("ferry-watcher at ").append(asked).append(": ").append(text(s, "source", "(starting)"))
                .append(" -> store ").append(text(s, "store", "(starting)")).append('\n');
        line(b, "Mirror", mirror(s, now, zone));
        line(b, "Pending", pending(s));
        JsonNode p = s.path("progress");
        String limit = s.path("bwlimitBytesPerSecond").asLong() == 0 ? "no limit"
                : "limit " + ByteSize.format(s.path("bwlimitBytesPerSecond").asLong()) + "/s";
        line(b, "Rate", "uploading " + rate(p.path("uploadRate").asDouble()) + ", hashing "
                + rate(p.path("hashRate").asDouble()) + "; " + limit);
        line(b, "Paused", s.path("paused").asBoolean() ? "yes, since " + time(text(s, "pausedSince", null), now, zone)
                + " ('ferry-watcher resume' sends again)" : "no");
        JsonNode changes = s.path("recentChanges");
        if (changes.size() == 0) {
            line(b, "Last changes", "none since the watcher started");
        } else {
            for (int i = 0; i < Math.min(CHANGES_SHOWN, changes.size()); i++) {
                JsonNode c = changes.get(i);
                String kind = c.path("kind").asText();
                String what = String.format(Locale.ROOT, "%s  %-6s  %s", clock(text(c, "at", null), zone), kind,
                        kind.equals("move") ? text(c, "from", "?") + " -> " + text(c, "path", "?") : text(c, "path", "?"));
                if (c.hasNonNull("failed")) {
                    what += "  (not applied: " + c.get("failed").asText() + ")";
                }
                line(b, i == 0 ? "Last changes" : "", what);
            }
        }
        String error = text(s, "lastError", null);
        line(b, "Last error", error == null ? "none" : error + (s.hasNonNull("lastErrorAt")
                ? " (" + time(s.get("lastErrorAt").asText(), now, zone) + ")" : ""));
        return b.toString();
    }

    private static String mirror(JsonNode s, Instant now, ZoneId zone) {
        String state = s.path("state").asText();
        switch (state) {
            case "idle":
                String since = text(s, "inSyncSince", text(s, "lastSyncAt", null));
                return "in sync since " + time(since, now, zone) + ": the store confirmed the mirror equals the source";
            case "paused":
                long seen = s.path("changesWhilePaused").asLong();
                return "not kept in sync: PAUSED, nothing is sent" + (seen > 0 ? "; " + seen + (seen == 1 ? " change" : " changes")
                        + " seen since the pause wait for 'ferry-watcher resume'" : "");
            case "scanning":
                return "not confirmed: scanning the source";
            case "disconnected":
                return "not confirmed: not connected to the store (see Last error)";
            case "refused":
                return "not kept in sync: the store REFUSES this watcher until its settings change (see Last error)";
            case "syncing":
                return "syncing: changes are on their way, not confirmed yet";
            default:
                return "not known yet: the watcher is " + state;
        }
    }

    private static String pending(JsonNode s) {
        JsonNode p = s.path("progress");
        long files = Math.max(0, p.path("filesToHash").asLong() - p.path("filesHashed").asLong());
        long hashBytes = Math.max(0, p.path("bytesToHash").asLong() - p.path("bytesHashed").asLong());
        long chunks = Math.max(0, p.path("chunksToUpload").asLong() - p.path("chunksUploaded").asLong());
        long uploadBytes = Math.max(0, p.path("bytesToUpload").asLong() - p.path("bytesUploaded").asLong());
        int batches = s.path("pendingBatches").asInt();
        long held = s.path("deletesHeld").asLong();
        StringBuilder b = new StringBuilder();
        if (files > 0) {
            b.append(files).append(files == 1 ? " file" : " files").append(" (").append(ByteSize.format(hashBytes))
                    .append(") to hash");
        }
        if (chunks > 0) {
            b.append(b.length() > 0 ? ", " : "").append(chunks).append(chunks == 1 ? " chunk" : " chunks").append(" (")
                    .append(ByteSize.format(uploadBytes)).append(") to upload");
        }
        if (batches > 0) {
            b.append(b.length() > 0 ? ", " : "").append(batches).append(batches == 1 ? " batch" : " batches")
                    .append(" of changes not acknowledged yet");
        }
        if (held > 0) {
            b.append(b.length() > 0 ? "; " : "").append(held).append(" deletions held by the delete brake "
                    + "('ferry-watcher --release-deletes' lets them go)");
        }
        return b.length() == 0 ? "nothing" : b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append("  ").append(label).append(INDENT, 0, Math.max(1, INDENT.length() - 2 - label.length())).append(value)
                .append('\n');
    }

    private static String rate(double bytesPerSecond) {
        return ByteSize.format(Math.round(bytesPerSecond)) + "/s";
    }

    /** A time from the JSON (ISO-8601, or epoch seconds) as local clock time and how long ago. */
    static String time(String value, Instant now, ZoneId zone) {
        Instant at = instant(value);
        if (at == null) {
            return "(unknown)";
        }
        long ago = Math.max(0, Duration.between(at, now).getSeconds());
        String clock = (ago < 86_400 ? CLOCK : DAY).format(at.atZone(zone));
        String rel = ago < 60 ? ago + " s ago" : ago < 3600 ? ago / 60 + " min ago" : ago < 86_400 ? ago / 3600 + " h ago"
                : ago / 86_400 + " days ago";
        return clock + " (" + rel + ")";
    }

    private static String clock(String value, ZoneId zone) {
        Instant at = instant(value);
        return at == null ? "--:--:--" : CLOCK.format(at.atZone(zone));
    }

    private static Instant instant(String value) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            try {
                BigDecimal seconds = new BigDecimal(value);
                return Instant.ofEpochSecond(seconds.longValue(), seconds.remainder(BigDecimal.ONE).movePointRight(9).longValue());
            } catch (NumberFormatException | ArithmeticException n) {
                return null;
            }
        }
    }

    private static String text(JsonNode node, String field, String otherwise) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? otherwise : v.asText();
    }
}
