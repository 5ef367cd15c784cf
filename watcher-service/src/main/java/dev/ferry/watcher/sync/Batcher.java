package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;

import java.util.ArrayList;
import java.util.List;

/**
 * Gathers change items into one {@code changes} batch, bounded in items and in estimated frame bytes, and due at the
 * latest {@code lingerNanos} after its first item (so a long flush starts uploads early). Not thread-safe: one
 * session's tree thread owns it.
 */
final class Batcher {
    private final int maxItems;
    private final long maxBytes;
    private final long lingerNanos;
    private final List<Change> items = new ArrayList<>();
    private long bytes;
    private long firstAt;

    Batcher(int maxItems, long maxBytes, long lingerNanos) {
        this.maxItems = maxItems;
        this.maxBytes = maxBytes;
        this.lingerNanos = lingerNanos;
    }

    /** Adds {@code change} at {@code nowNanos}; true when the batch is due now (full, or it waited long enough). */
    boolean add(Change change, long nowNanos) {
        if (items.isEmpty()) {
            firstAt = nowNanos;
        }
        items.add(change);
        bytes += estimate(change);
        return items.size() >= maxItems || bytes >= maxBytes || nowNanos - firstAt > lingerNanos;
    }

    boolean isEmpty() {
        return items.isEmpty();
    }

    /** The items gathered, in the order added; the batcher is empty again. */
    List<Change> take() {
        List<Change> batch = List.copyOf(items);
        clear();
        return batch;
    }

    /** Drops what was gathered (the session that would send it is gone). */
    void clear() {
        items.clear();
        bytes = 0;
    }

    /** About how many bytes {@code change} adds to a {@code changes} frame. */
    static long estimate(Change change) {
        long size = 160 + 2L * change.path().length();
        if (change instanceof Change.Upsert) {
            size += 48L * ((Change.Upsert) change).entry().chunks().size();
        } else if (change instanceof Change.Move) {
            Change.Move m = (Change.Move) change;
            size += m.from().length() + 48L * m.entry().chunks().size();
        }
        return size;
    }
}
