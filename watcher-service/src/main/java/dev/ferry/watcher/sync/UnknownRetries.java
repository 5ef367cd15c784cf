package dev.ferry.watcher.sync;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * The backoff of paths a flush could not look at (a stat or a listing failed): each is walked again 1 s, 2 s,
 * 4 s ... at most 30 s after its last failed look, so a folder that is readable again reaches DEST within seconds,
 * not at the next full rescan. One look is pending per path at most, however many flushes meet it meanwhile.
 * Confined to the detector's thread.
 */
final class UnknownRetries {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofSeconds(30);
    private static final int MAX_TRACKED = 10_000;

    /** Failed looks in a row, and when the pending look is due. */
    private record Backoff(int failures, long dueNanos) {
    }

    private final Map<String, Backoff> paths = new HashMap<>();
    private final LongSupplier nanoTime;

    UnknownRetries() {
        this(System::nanoTime);
    }

    UnknownRetries(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /**
     * {@code path} could not be looked at once more: how long to wait before the next look, or null when a look is
     * already pending (or too many paths are tracked: the full rescan covers them).
     */
    Duration failed(String path) {
        long now = nanoTime.getAsLong();
        Backoff b = paths.get(path);
        if (b != null && b.dueNanos - now > 0) {
            return null;
        }
        if (b == null && paths.size() >= MAX_TRACKED) {
            return null;
        }
        Duration delay = delay(b == null ? 1 : b.failures + 1);
        paths.put(path, new Backoff(b == null ? 1 : b.failures + 1, now + delay.toNanos()));
        return delay;
    }

    /** Forgets the paths that were looked at successfully. */
    void forgetIf(Predicate<String> lookedAt) {
        paths.keySet().removeIf(lookedAt);
    }

    /** The wait after the {@code failures}-th failed look in a row. */
    static Duration delay(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 5);
        Duration d = FIRST.multipliedBy(1L << shift);
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
