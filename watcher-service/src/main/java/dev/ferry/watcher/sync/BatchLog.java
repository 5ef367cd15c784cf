package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.upload.BatchRecord;

/** The log line of an acknowledged batch: {@code synced 3 changes: upsert a, delete b, move c -> d}. */
public final class BatchLog {
    /** Items named in one line; the rest are counted. */
    static final int LISTED = 5;

    private BatchLog() {
    }

    /** The line for {@code batch}, of which {@code failed} items the store could not apply. */
    public static String describe(BatchRecord batch, int failed) {
        StringBuilder sb = new StringBuilder();
        int n = batch.items().size() - failed;
        sb.append("synced ").append(n).append(n == 1 ? " change" : " changes");
        if (failed > 0) {
            sb.append(" (").append(failed).append(" failed)");
        }
        sb.append(": ");
        int listed = 0;
        for (Change c : batch.items()) {
            if (listed == LISTED) {
                sb.append(", and ").append(batch.items().size() - listed).append(" more");
                break;
            }
            if (listed > 0) {
                sb.append(", ");
            }
            if (c instanceof Change.Upsert) {
                sb.append("upsert ").append(RelativePaths.printable(c.path()));
            } else if (c instanceof Change.Delete) {
                sb.append("delete ").append(RelativePaths.printable(c.path()));
            } else {
                sb.append("move ").append(RelativePaths.printable(((Change.Move) c).from())).append(" -> ")
                        .append(RelativePaths.printable(c.path()));
            }
            listed++;
        }
        return sb.toString();
    }
}
