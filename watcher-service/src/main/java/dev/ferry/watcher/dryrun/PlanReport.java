package dev.ferry.watcher.dryrun;

import dev.ferry.protocol.Message;
import dev.ferry.watcher.control.ByteSize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The words a dry run prints: one line per planned change, like {@code rsync -n -i} but spelled out
 * ({@code create  docs/new.md}, {@code move    old.txt -> new.txt}, {@code delete  stray.txt (only in DEST)}), then
 * a summary line with the counts, the bytes a sync would upload, and that nothing was changed.
 */
public final class PlanReport {

    /**
     * What a sync would upload: {@code chunks} distinct chunks of {@code bytes} the store lacks, or {@code unknown}
     * (why they could not be counted) when it is not null.
     */
    public record Upload(long chunks, long bytes, String unknown) {
        public static Upload unknown(String why) {
            return new Upload(0, 0, why);
        }
    }

    private PlanReport() {
    }

    /**
     * Every line of the report: the plan (already sorted by the store), a note when a real run would hold
     * deletions ({@code brake}, null when not), and the summary.
     */
    public static List<String> lines(List<Message.PlannedItem> plan, Upload upload, String brake, long entries) {
        List<String> out = new ArrayList<>();
        int create = 0;
        int update = 0;
        int move = 0;
        int delete = 0;
        int foreign = 0;
        for (Message.PlannedItem item : plan) {
            String path = shown(item.path(), item.dir());
            switch (String.valueOf(item.op())) {
                case "create" -> {
                    create++;
                    out.add("create  " + path);
                }
                case "update" -> {
                    update++;
                    out.add("update  " + path + detail(item.detail()));
                }
                case "move" -> {
                    move++;
                    out.add("move    " + shown(item.from(), item.dir()) + " -> " + path);
                }
                case "delete" -> {
                    delete++;
                    out.add("delete  " + path);
                }
                case "foreign" -> {
                    foreign++;
                    out.add("delete  " + path + " (only in DEST)");
                }
                default -> out.add("?       " + path + " (" + shown(item.op(), false) + ")");
            }
        }
        if (brake != null) {
            out.add("note: a real run would stop here: " + brake);
        }
        if (plan.isEmpty()) {
            out.add("dry run: DEST is in sync with SOURCE (" + entries + " entries); nothing was changed");
            return out;
        }
        StringBuilder sum = new StringBuilder("dry run: ");
        sum.append(create).append(" to create, ").append(update).append(" to update, ").append(move)
                .append(" to move, ").append(delete + foreign).append(" to delete");
        if (foreign > 0) {
            sum.append(" (").append(foreign).append(" only in DEST)");
        }
        sum.append("; ");
        if (upload.unknown() != null) {
            sum.append("bytes to upload unknown (").append(upload.unknown()).append(")");
        } else {
            sum.append(String.format(Locale.ROOT, "%s to upload (%d chunks the store lacks)",
                    ByteSize.format(upload.bytes()), upload.chunks()));
        }
        sum.append("; nothing was changed");
        out.add(sum.toString());
        return out;
    }

    private static String detail(String detail) {
        if ("metadata".equals(detail)) {
            return " (mode or mtime only)";
        }
        if ("damaged".equals(detail)) {
            return " (damaged in DEST: rebuilt from the store's chunks)";
        }
        return "";
    }

    /** A path as printed: control characters escaped, a folder with a trailing slash. */
    static String shown(String path, boolean dir) {
        if (path == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder(path.length() + 1);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return dir ? sb.append('/').toString() : sb.toString();
    }
}
