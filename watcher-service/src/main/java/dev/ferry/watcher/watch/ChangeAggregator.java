package dev.ferry.watcher.watch;

import dev.ferry.watcher.sync.DirtyPaths;
import dev.ferry.watcher.sync.DirtySet;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Collects dirty paths from file system events and hands them over as one {@link DirtySet} once the source has
 * been quiet for {@code quietDelay}, or at the latest {@code maxDelay} after the first event of the burst.
 * Thread-safe; the flush runs on the scheduler's thread, which must be a single one so flushes never overlap.
 * The sync engine below takes the flushes ({@link #deliverTo}) and asks for paths to be looked at again through
 * {@link DirtyPaths}; this class knows nothing of it.
 */
public final class ChangeAggregator implements DirtyPaths {
    private final long quietNanos;
    private final long maxNanos;
    private final ScheduledExecutorService scheduler;
    private volatile Consumer<DirtySet> flush;

    private Set<String> paths = new HashSet<>();
    private Set<String> subtrees = new HashSet<>();
    private boolean full;
    private long firstEventAt;
    private long lastEventAt;
    private ScheduledFuture<?> timer;

    public ChangeAggregator(Duration quietDelay, Duration maxDelay, ScheduledExecutorService scheduler, Consumer<DirtySet> flush) {
        this(quietDelay, maxDelay, scheduler);
        deliverTo(flush);
    }

    /** An aggregator whose flushes go where {@link #deliverTo} says; until then a due flush waits. */
    public ChangeAggregator(Duration quietDelay, Duration maxDelay, ScheduledExecutorService scheduler) {
        this.quietNanos = Math.max(0, quietDelay.toNanos());
        this.maxNanos = Math.max(quietNanos, maxDelay.toNanos());
        this.scheduler = scheduler;
    }

    @Override
    public synchronized void deliverTo(Consumer<DirtySet> flush) {
        if (this.flush != null) {
            throw new IllegalStateException("the aggregator's flushes already go elsewhere");
        }
        this.flush = flush;
    }

    /** {@code path} (a wire path) may have changed. */
    @Override
    public void pathChanged(String path) {
        add(path, false);
    }

    /** Something below {@code path} may have changed without an event for it: walk it all. */
    public void subtreeChanged(String path) {
        add(path, true);
    }

    /** Events were lost (queue overflow) or a safety rescan is due: walk the whole source. */
    @Override
    public synchronized void fullRescan() {
        full = true;
        touch();
    }

    /** {@code path} changed while it was read: look again after {@code delay}. */
    @Override
    public void retryLater(String path, Duration delay) {
        scheduler.schedule(() -> pathChanged(path), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Something below {@code path} could not be looked at: walk it all again after {@code delay}. */
    @Override
    public void retrySubtreeLater(String path, Duration delay) {
        scheduler.schedule(() -> subtreeChanged(path), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** True while a burst waits for its flush. */
    @Override
    public synchronized boolean hasPending() {
        return full || !paths.isEmpty() || !subtrees.isEmpty();
    }

    private synchronized void add(String path, boolean subtree) {
        (subtree ? subtrees : paths).add(path);
        touch();
    }

    private void touch() {
        long now = System.nanoTime();
        if (timer == null) {
            firstEventAt = now;
            timer = scheduler.schedule(this::tick, quietNanos, TimeUnit.NANOSECONDS);
        }
        lastEventAt = now;
    }

    private void tick() {
        DirtySet batch;
        synchronized (this) {
            long now = System.nanoTime();
            long due = Math.min(lastEventAt + quietNanos, firstEventAt + maxNanos);
            if (flush == null) {
                due = now + Math.max(quietNanos, 1_000_000L);
            }
            if (now - due < 0) {
                timer = scheduler.schedule(this::tick, due - now, TimeUnit.NANOSECONDS);
                return;
            }
            timer = null;
            batch = new DirtySet(paths, subtrees, full);
            paths = new HashSet<>();
            subtrees = new HashSet<>();
            full = false;
        }
        flush.accept(batch);
    }
}
