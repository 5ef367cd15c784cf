package dev.ferry.watcher.sync;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The backoff of paths a flush could not look at (a stat or a listing failed): each is walked again 1 s, 2 s,
 * 4 s ... at most 30 s after its last failed look, so a folder that is readable again reaches DEST within seconds,
 * not at the next full rescan. Confined to the detector's thread.
 */
final class UnknownRetries {
    static final Duration FIRST = Duration.ofSeconds(1);
    static final Duration MAX = Duration.ofSeconds(30);
    private static final int MAX_TRACKED = 10_000;

    private final Map<String, Integer> failures = new HashMap<>();

    /** {@code path} could not be looked at once more: how long to wait before the next look. */
    Duration failed(String path) {
        if (failures.size() >= MAX_TRACKED && !failures.containsKey(path)) {
            return MAX;
        }
        int n = failures.merge(path, 1, Integer::sum);
        return delay(n);
    }

    /** Forgets the paths that were looked at successfully. */
    void forgetIf(Predicate<String> lookedAt) {
        failures.keySet().removeIf(lookedAt);
    }

    /** The wait after the {@code failures}-th failed look in a row. */
    static Duration delay(int failures) {
        int shift = Math.min(Math.max(failures - 1, 0), 5);
        Duration d = FIRST.multipliedBy(1L << shift);
        return d.compareTo(MAX) > 0 ? MAX : d;
    }
}
