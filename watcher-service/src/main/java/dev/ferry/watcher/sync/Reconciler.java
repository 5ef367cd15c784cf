package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Message;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The index reconcile of a session that is not in sync: the cache's entries go to the store as {@code index} frames,
 * the store answers with the paths it needs, and those come back as full upserts. Between reconciles that still
 * leave the mirror differing, the wait doubles.
 */
final class Reconciler {
    private final LocalStateCache cache;
    private final int indexBatchSize;

    Reconciler(LocalStateCache cache, int indexBatchSize) {
        this.cache = cache;
        this.indexBatchSize = indexBatchSize;
    }

    /** Sends every cached entry's digest, {@code indexBatchSize} a frame, the last one marked; false if a send failed. */
    boolean sendIndex(Predicate<Message> send) {
        List<Message.IndexEntry> entries = new ArrayList<>(Math.min(cache.size(), indexBatchSize));
        for (Map.Entry<String, CachedEntry> e : cache.entries().entrySet()) {
            entries.add(new Message.IndexEntry(e.getKey(), e.getValue().digest()));
            if (entries.size() == indexBatchSize) {
                if (!send.test(new Message.IndexBatch(entries, false))) {
                    return false;
                }
                entries = new ArrayList<>(indexBatchSize);
            }
        }
        return send.test(new Message.IndexBatch(entries, true));
    }

    /** The upserts that answer one {@code need} frame, in path order; a path the cache no longer has is skipped. */
    List<Change> upserts(Message.Need need) {
        List<String> paths = new ArrayList<>(need.paths());
        paths.sort(null);
        List<Change> upserts = new ArrayList<>(paths.size());
        for (String path : paths) {
            CachedEntry c = cache.get(path);
            if (c != null) {
                upserts.add(new Change.Upsert(c.manifest(path)));
            }
        }
        return upserts;
    }

    /** 1 s, 2 s, 4 s ... capped: how long to wait before the {@code attempt}-th reconcile after a differing check. */
    static long delay(int attempt, long maxMillis) {
        return Math.min(Math.max(200, maxMillis), 1000L << Math.min(Math.max(0, attempt - 1), 20));
    }
}
