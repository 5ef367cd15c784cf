package dev.ferry.store.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VersionRetention} against Syncthing's staggered versioning (lib/versioner/staggered.go, {@code toRemove},
 * ported below with the contract's 30-day third interval where Syncthing has 592,000 s): the same number of versions
 * kept in each interval, the newest of each step kept where Syncthing keeps the oldest.
 */
class VersionRetentionTest {
    private static final long S = 1000;
    private static final long H = 3600 * S;
    private static final long D = 24 * H;
    private static final long NOW = 400 * D;

    /** Syncthing's toRemove: versions oldest first; the oldest is kept, then any closer than a step to the last kept goes. */
    private static boolean[] syncthing(long[] oldestFirst, long now, long maxAge) {
        long[][] intervals = {{30 * S, H}, {H, D}, {D, 30 * D}, {7 * D, maxAge}};
        boolean[] remove = new boolean[oldestFirst.length];
        long prevAge = 0;
        boolean first = true;
        for (int i = 0; i < oldestFirst.length; i++) {
            long age = now - oldestFirst[i];
            if (age > maxAge) {
                remove[i] = true;
                continue;
            }
            if (first) {
                prevAge = age;
                first = false;
                continue;
            }
            long[] used = intervals[intervals.length - 1];
            for (long[] in : intervals) {
                used = in;
                if (age < in[1]) {
                    break;
                }
            }
            if (prevAge - age < used[0]) {
                remove[i] = true;
                continue;
            }
            prevAge = age;
        }
        return remove;
    }

    /** A dense history: every 10 s for 2 h, every 20 min for 2 days, every 6 h for 60 days, every day for a year. */
    private static long[] denseOldestFirst() {
        List<Long> ages = new ArrayList<>();
        for (long a = 0; a < 2 * H; a += 10 * S) {
            ages.add(a);
        }
        for (long a = 2 * H; a < 2 * D; a += 20 * 60 * S) {
            ages.add(a);
        }
        for (long a = 2 * D; a < 60 * D; a += 6 * H) {
            ages.add(a);
        }
        for (long a = 60 * D; a < 380 * D; a += D) {
            ages.add(a);
        }
        long[] t = new long[ages.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = NOW - ages.get(ages.size() - 1 - i);
        }
        return t;
    }

    private static int[] keptPerInterval(long[] oldestFirst, boolean[] removed, long now) {
        long[] ends = {H, D, 30 * D, Long.MAX_VALUE};
        int[] kept = new int[4];
        for (int i = 0; i < oldestFirst.length; i++) {
            if (removed[i]) {
                continue;
            }
            long age = now - oldestFirst[i];
            int b = 0;
            while (age >= ends[b]) {
                b++;
            }
            kept[b]++;
        }
        return kept;
    }

    private static boolean[] ours(VersionRetention r, long[] oldestFirst, long now) {
        int n = oldestFirst.length;
        long[] newestFirst = new long[n];
        for (int i = 0; i < n; i++) {
            newestFirst[i] = oldestFirst[n - 1 - i];
        }
        boolean[] removeNewestFirst = r.toRemove(newestFirst, now);
        boolean[] remove = new boolean[n];
        for (int i = 0; i < n; i++) {
            remove[i] = removeNewestFirst[n - 1 - i];
        }
        return remove;
    }

    @Test
    void keepsAsManyVersionsInEachIntervalAsSyncthing() {
        long maxAge = 365 * D;
        long[] t = denseOldestFirst();
        int[] theirs = keptPerInterval(t, syncthing(t, NOW, maxAge), NOW);
        int[] mine = keptPerInterval(t, ours(new VersionRetention(Duration.ofMillis(maxAge)), t, NOW), NOW);
        // Within the first hour one per 30 s (about 120), then one per hour (23), one per day (28), one per week.
        assertTrue(mine[0] >= 119 && mine[0] <= 121, "first hour: " + mine[0]);
        assertTrue(mine[1] >= 22 && mine[1] <= 24, "first day: " + mine[1]);
        for (int b = 0; b < 4; b++) {
            assertTrue(Math.abs(theirs[b] - mine[b]) <= 1, "interval " + b + ": Syncthing keeps " + theirs[b]
                    + ", we keep " + mine[b]);
        }
    }

    @Test
    void keepsTheNewestOfEachStepAndAlwaysTheNewestVersion() {
        VersionRetention r = new VersionRetention(Duration.ofDays(365));
        long now = 10 * H;
        long[] newestFirst = new long[61];
        for (int i = 0; i < newestFirst.length; i++) {
            newestFirst[i] = now - 5 * S - i * 10 * S; // replaced 5 s, 15 s, ... 605 s ago
        }
        boolean[] remove = r.toRemove(newestFirst, now);
        assertFalse(remove[0], "the newest version stays");
        int kept = 0;
        for (int i = 0; i < remove.length; i++) {
            if (!remove[i]) {
                kept++;
                assertEquals(0, i % 3, "kept every third (30 s apart), the newest of each step: " + i);
            }
        }
        assertEquals(21, kept);
    }

    @Test
    void removesWhatIsOlderThanTheMaximumAge() {
        VersionRetention r = new VersionRetention(Duration.ofDays(10));
        boolean[] remove = r.toRemove(new long[] {NOW - 9 * D, NOW - 11 * D}, NOW);
        assertFalse(remove[0]);
        assertTrue(remove[1]);
        assertTrue(r.toRemove(new long[] {NOW - 11 * D}, NOW)[0], "even the newest, when too old");
    }

    @Test
    void theBudgetIsAShareOfTheDiskOrASize(@TempDir Path dir) throws Exception {
        FileStore disk = Files.getFileStore(dir);
        assertEquals(disk.getTotalSpace() / 10, VersionRetention.budget("10%", disk), disk.getTotalSpace() / 1000.0);
        assertEquals(20L << 30, VersionRetention.budget("20G", disk));
        assertEquals(512L << 20, VersionRetention.budget("512M", disk));
        assertEquals(1000, VersionRetention.budget("1000", disk));
        assertThrows(IllegalArgumentException.class, () -> VersionRetention.budget("lots", disk));
        assertThrows(IllegalArgumentException.class, () -> VersionRetention.budget("150%", disk));
    }
}
