package dev.ferry.watcher.progress;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.control.ByteSize;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The text of the progress line (terminal and log alike) and of the short per-change lines. */
public final class ProgressFormat {
    /** Per-change lines printed for one acknowledged batch at most; the rest are counted. */
    public static final int MAX_CHANGE_LINES = 20;

    private ProgressFormat() {
    }

    /**
     * One line: {@code syncing: hashed 12/40 files (1.2 MiB/4.0 MiB), uploaded 3.0 MiB/9.5 MiB, 52.3 MiB/s, 2m 05s left}.
     * The rate is the hashing rate while files wait to be hashed, else the upload rate.
     */
    public static String line(String state, Progress p) {
        StringBuilder sb = new StringBuilder(state).append(':');
        sb.append(" hashed ").append(p.filesHashed()).append('/').append(p.filesToHash()).append(" files (")
                .append(ByteSize.format(p.bytesHashed())).append('/').append(ByteSize.format(p.bytesToHash())).append(')');
        sb.append(", uploaded ").append(ByteSize.format(p.bytesUploaded())).append('/').append(ByteSize.format(p.bytesToUpload()));
        double rate = p.hashing() ? p.hashRate() : p.uploadRate();
        sb.append(", ").append(ByteSize.format(Math.round(rate))).append("/s");
        if (p.hashing() || p.uploading()) {
            sb.append(", ").append(p.etaSeconds() == null ? "time left unknown" : duration(p.etaSeconds()) + " left");
        }
        return sb.toString();
    }

    /** The progress line's warning while the delete brake holds deletions; empty when it holds none. */
    public static String held(long entries) {
        return entries <= 0 ? "" : ", DELETES HELD: " + entries + " entries (ferry-watcher --release-deletes)";
    }

    /** {@code 7s}, {@code 3m 05s}, {@code 2h 01m}. */
    public static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm %02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh %02dm", s / 3600, (s % 3600) / 60);
    }

    /**
     * The short lines for an acknowledged batch: {@code + path} (written), {@code - path} (deleted),
     * {@code > from -> to} (moved), {@code ! path: reason} (failed); at most {@link #MAX_CHANGE_LINES}, then a count.
     */
    public static List<String> changes(List<Change> items, List<Message.Failure> failed) {
        List<String> lines = new ArrayList<>();
        java.util.Set<String> failedPaths = new java.util.HashSet<>();
        for (Message.Failure f : failed) {
            failedPaths.add(f.path());
        }
        int shown = 0;
        int total = 0;
        for (Change c : items) {
            if (failedPaths.contains(c.path())) {
                continue;
            }
            total++;
            if (shown < MAX_CHANGE_LINES) {
                lines.add(change(c));
                shown++;
            }
        }
        for (Message.Failure f : failed) {
            total++;
            if (shown < MAX_CHANGE_LINES) {
                lines.add("  ! " + RelativePaths.printable(f.path()) + ": " + f.reason());
                shown++;
            }
        }
        if (total > shown) {
            lines.add("  ... and " + (total - shown) + " more");
        }
        return lines;
    }

    static String change(Change c) {
        if (c instanceof Change.Delete) {
            return "  - " + RelativePaths.printable(c.path());
        }
        if (c instanceof Change.Move mv) {
            return "  > " + RelativePaths.printable(mv.from()) + " -> " + RelativePaths.printable(c.path());
        }
        return "  + " + RelativePaths.printable(c.path());
    }
}
