package dev.ferry.store.sync;

import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;

import java.util.ArrayList;
import java.util.List;

/** One {@code changes} batch of a session: how many of its items still wait, and those that failed. */
final class Batch {
    final long number;
    /** {@link System#nanoTime()} when the batch arrived, for the sync lag. */
    final long arrivedNanos;
    final List<Message.Failure> failed = new ArrayList<>();
    int open;
    boolean processed;

    Batch(long number) {
        this(number, System.nanoTime());
    }

    Batch(long number, long arrivedNanos) {
        this.number = number;
        this.arrivedNanos = arrivedNanos;
    }

    /** Records a failed item; its code is the reason's prefix ({@code "bad-path: ..."}). */
    void fail(String path, String reason) {
        int colon = reason == null ? -1 : reason.indexOf(':');
        fail(path, reason, colon > 0 ? reason.substring(0, colon) : null);
    }

    /** Records a failed item; a path too long to be valid is echoed cut short, never whole. */
    void fail(String path, String reason, String code) {
        String echoed = path != null && path.length() > RelativePaths.MAX_PATH_BYTES ? RelativePaths.printable(path) : path;
        failed.add(new Message.Failure(echoed, reason, code));
    }

    boolean complete() {
        return processed && open == 0;
    }
}
