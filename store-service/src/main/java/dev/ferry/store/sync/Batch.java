package dev.ferry.store.sync;

import dev.ferry.protocol.Message;

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

    void fail(String path, String reason) {
        failed.add(new Message.Failure(path, reason));
    }

    void fail(String path, String reason, String code) {
        failed.add(new Message.Failure(path, reason, code));
    }

    boolean complete() {
        return processed && open == 0;
    }
}
