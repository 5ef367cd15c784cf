package dev.ferry.store.storage;

import java.nio.file.FileStore;
import java.time.Duration;
import java.util.Locale;

/**
 * Which kept versions of one path to remove (docs/STORAGE.md, "Version history"), after Syncthing's staggered
 * versioning: within the first hour at most one version per 30 s, within the first day one per hour, within the
 * first 30 days one per day, then one per week up to the maximum age; older than that, none. A version's age is how
 * long ago it was replaced ({@code to}). Syncthing walks the versions oldest first and keeps the oldest of each
 * step; here they are walked newest first, so in each step the newest is kept (the one just before the next
 * change) and the newest version of a path is always kept unless it is too old. Pure logic.
 */
public final class VersionRetention {
    /** Versions at most {@code step} apart are thinned to one while their age is below {@code end}. */
    record Interval(long stepMillis, long endMillis) {
    }

    private static final long SECOND = 1000;
    private static final long HOUR = 3600 * SECOND;
    private static final long DAY = 24 * HOUR;

    private final long maxAgeMillis;
    private final Interval[] intervals;

    public VersionRetention(Duration maxAge) {
        this.maxAgeMillis = maxAge.toMillis();
        this.intervals = new Interval[] {
                new Interval(30 * SECOND, HOUR),
                new Interval(HOUR, DAY),
                new Interval(DAY, 30 * DAY),
                new Interval(7 * DAY, Math.max(30 * DAY, maxAgeMillis)),
        };
    }

    /**
     * For one path's versions, given newest first by the time each was replaced: which to remove at {@code now}
     * (true at that index).
     */
    public boolean[] toRemove(long[] toMillisNewestFirst, long now) {
        boolean[] remove = new boolean[toMillisNewestFirst.length];
        long keptAge = -1;
        for (int i = 0; i < toMillisNewestFirst.length; i++) {
            long age = Math.max(0, now - toMillisNewestFirst[i]);
            if (age > maxAgeMillis) {
                remove[i] = true;
                continue;
            }
            if (keptAge < 0) {
                keptAge = age;
                continue;
            }
            if (age - keptAge < stepAt(age)) {
                remove[i] = true;
                continue;
            }
            keptAge = age;
        }
        return remove;
    }

    /** True when a version replaced at {@code toMillis} is older than the maximum age at {@code now}. */
    public boolean expired(long toMillis, long now) {
        return now - toMillis > maxAgeMillis;
    }

    /** The thinning step of a version of this age. */
    long stepAt(long ageMillis) {
        for (Interval in : intervals) {
            if (ageMillis < in.endMillis()) {
                return in.stepMillis();
            }
        }
        return intervals[intervals.length - 1].stepMillis();
    }

    /**
     * The byte budget {@code setting} stands for: a percentage of the size of the file system {@code disk}
     * ({@code 10%}) or a size ({@code 20G}, {@code 512M}, {@code 1000000}); an IllegalArgumentException otherwise.
     */
    public static long budget(String setting, FileStore disk) throws java.io.IOException {
        String s = setting.trim().toUpperCase(Locale.ROOT);
        try {
            if (s.endsWith("%")) {
                double pct = Double.parseDouble(s.substring(0, s.length() - 1).trim());
                if (pct < 0 || pct > 100) {
                    throw new IllegalArgumentException("ferry.store.versions.budget: a percentage is 0..100, not " + setting);
                }
                return (long) (disk.getTotalSpace() * pct / 100.0);
            }
            if (s.endsWith("B")) {
                s = s.substring(0, s.length() - 1);
            }
            long unit = 1;
            char last = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
            int shift = "KMGTP".indexOf(last);
            if (shift >= 0) {
                unit = 1L << (10 * (shift + 1));
                s = s.substring(0, s.length() - 1);
            }
            long n = Long.parseLong(s.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("ferry.store.versions.budget: '" + setting
                    + "' is neither a percentage of DEST's file system (10%) nor a size (20G)");
        }
    }
}
