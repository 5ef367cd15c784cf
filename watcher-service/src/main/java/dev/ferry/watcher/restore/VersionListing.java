package dev.ferry.watcher.restore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.control.ByteSize;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The text of {@code ferry-watcher versions}: the entry now, then its kept versions newest first. */
public final class VersionListing {
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss", Locale.ROOT);

    private VersionListing() {
    }

    /**
     * The {@code --at} that selects a version: the last millisecond before it was replaced (its interval is
     * {@code from <= T < to}), or {@code from} when the two are the same millisecond; null when {@code to} is
     * missing.
     */
    public static Instant selectingTime(JsonNode version) {
        Instant to = instant(version.path("to").asText(null));
        if (to == null) {
            return null;
        }
        Instant from = instant(version.path("from").asText(null));
        Instant before = to.minusMillis(1);
        return from != null && before.isBefore(from) ? from : before;
    }

    public static String render(JsonNode answer, ZoneId zone) {
        StringBuilder sb = new StringBuilder();
        sb.append(RelativePaths.printable(answer.path("path").asText(""))).append('\n');
        JsonNode current = answer.get("current");
        if (current == null || current.isNull()) {
            sb.append("  now: gone (deleted or moved)\n");
        } else {
            sb.append("  now: ").append(describe(current)).append(", since ")
                    .append(local(current.path("since").asText(null), zone)).append('\n');
        }
        JsonNode versions = answer.path("versions");
        if (!versions.isArray() || versions.isEmpty()) {
            sb.append("  no kept versions\n");
            return sb.toString();
        }
        sb.append("  kept versions, newest first:\n");
        for (JsonNode v : versions) {
            Instant at = selectingTime(v);
            sb.append("  replaced ").append(local(v.path("to").asText(null), zone))
                    .append(" (").append(v.path("reason").asText("?")).append("): ")
                    .append(describe(v)).append(", from ").append(local(v.path("from").asText(null), zone))
                    .append("  --at ").append(at == null ? "?" : RestoreTime.wire(at)).append('\n');
        }
        return sb.toString();
    }

    private static String describe(JsonNode entry) {
        String type = entry.path("type").asText("?");
        StringBuilder sb = new StringBuilder(type);
        if (type.equals("file")) {
            long size = entry.path("size").asLong();
            sb.append(' ').append(ByteSize.format(size));
            if (size >= 1024) {
                sb.append(" (").append(size).append(" bytes)");
            }
        } else if (type.equals("symlink") && entry.hasNonNull("target")) {
            sb.append(" -> ").append(RelativePaths.printable(entry.get("target").asText()));
        }
        if (!type.equals("symlink") && entry.has("mode")) {
            sb.append(", mode ").append(Integer.toOctalString(entry.path("mode").asInt()));
        }
        return sb.toString();
    }

    private static String local(String iso, ZoneId zone) {
        Instant t = instant(iso);
        return t == null ? "unknown" : LOCAL.format(t.atZone(zone));
    }

    private static Instant instant(String iso) {
        if (iso == null || iso.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(iso);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
