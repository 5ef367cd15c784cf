package dev.ferry.watcher.sync;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The watch stage as the sync engine sees it: where dirty paths gather until they are handed over as one
 * {@link DirtySet}. Implemented above this package by {@code watch.ChangeAggregator}; the engine asks it to look at
 * paths again and takes its flushes.
 */
public interface DirtyPaths {

    /** Where each flush goes: the engine's {@code flush}, given once, before the first event can be handed over. */
    void deliverTo(Consumer<DirtySet> flush);

    /** {@code path} (a wire path) may have changed. */
    void pathChanged(String path);

    /** Walk the whole source at the next flush. */
    void fullRescan();

    /** {@code path} changed while it was read: look again after {@code delay}. */
    void retryLater(String path, Duration delay);

    /** Something below {@code path} could not be looked at: walk it all again after {@code delay}. */
    void retrySubtreeLater(String path, Duration delay);

    /** True while a burst waits for its flush. */
    boolean hasPending();
}
