package dev.ferry.watcher.sync;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * rsync's {@code --max-delete}, kept running: deletions that would remove more than the limit of a large tree,
 * in one flush or summed over the flushes of the last {@link #WINDOW_NANOS minute}, are held, not sent (an
 * emptied disk, an unmounted nested mount, an {@code rm -rf} that takes longer than a flush). While deletions are
 * held every further deletion is held too; upserts and moves go on. A held deletion goes when the user releases it
 * ({@link #release}), and is forgotten when its path comes back.
 *
 * <p>A deletion is named by its root path (a folder is one deletion) and weighs the entries it removes. Thread-safe:
 * flushes decide on the tree thread, a release comes from the HTTP server.
 */
public final class DeleteBrake {
    /** Deletions are summed over this long, so a slow {@code rm -rf} cannot slip through flush by flush. */
    public static final long WINDOW_NANOS = 60_000_000_000L;
    /** Trees smaller than this are never braked: their deletions are no mass delete worth stopping. */
    public static final int MIN_TREE = 100;
    public static final String RELEASE_HINT = "release them with 'ferry-watcher --release-deletes' (or POST "
            + "/api/v1/deletes/release to the watcher), or raise ferry.watcher.max-delete";

    /**
     * The limit of {@code ferry.watcher.max-delete}: a share of the tree ({@code 50%}), a number of entries
     * ({@code 5000}), or {@code off}.
     */
    public record Limit(double share, long count) {
        public static final Limit OFF = new Limit(-1, -1);

        /** @throws IllegalArgumentException with a message for the user */
        public static Limit parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            String why = "ferry.watcher.max-delete must be a share like 50%, a number of entries like 5000, or off; got '"
                    + text + "'";
            if (t.equals("off")) {
                return OFF;
            }
            try {
                if (t.endsWith("%")) {
                    double pct = Double.parseDouble(t.substring(0, t.length() - 1).trim());
                    if (!(pct > 0 && pct <= 100)) {
                        throw new IllegalArgumentException(why);
                    }
                    return new Limit(pct / 100.0, -1);
                }
                long n = Long.parseLong(t);
                if (n < 0) {
                    throw new IllegalArgumentException(why);
                }
                return new Limit(-1, n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(why);
            }
        }

        boolean off() {
            return share < 0 && count < 0;
        }

        /** Entries that may go within the window in a tree of {@code size} entries. */
        long allowed(long size) {
            return share >= 0 ? (long) Math.floor(share * size) : count;
        }

        @Override
        public String toString() {
            if (off()) {
                return "off";
            }
            return share >= 0 ? String.format(Locale.ROOT, "%.0f%%", share * 100) : Long.toString(count);
        }
    }

    /**
     * What a flush may do.
     *
     * @param allowed the candidate roots to delete now
     * @param newHold this flush started a hold (say it loudly, once)
     */
    public record Decision(Set<String> allowed, boolean newHold) {
    }

    /** One flush's sent deletions, for the window sum. */
    private record Sent(long at, long entries, long treeSize) {
    }

    private final Limit limit;
    private final Map<String, Integer> held = new LinkedHashMap<>();
    private final Set<String> released = new HashSet<>();
    private final ArrayDeque<Sent> window = new ArrayDeque<>();
    private long treeAtHold;
    private long sentAtHold;

    public DeleteBrake(Limit limit) {
        this.limit = limit;
    }

    /** A brake that never holds. */
    public static DeleteBrake off() {
        return new DeleteBrake(Limit.OFF);
    }

    /**
     * Decides the deletions of one flush: {@code candidates} maps each root path to the entries it removes,
     * {@code treeSize} is the number of entries before them. Roots not in the answer are held.
     */
    public synchronized Decision decide(long now, long treeSize, Map<String, Integer> candidates) {
        while (!window.isEmpty() && now - window.peekFirst().at() > WINDOW_NANOS) {
            window.removeFirst();
        }
        Set<String> allowed = new HashSet<>();
        Map<String, Integer> fresh = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> c : candidates.entrySet()) {
            if (released.remove(c.getKey())) {
                allowed.add(c.getKey());
            } else if (held.containsKey(c.getKey())) {
                held.put(c.getKey(), c.getValue());
            } else {
                fresh.put(c.getKey(), c.getValue());
            }
        }
        if (fresh.isEmpty()) {
            return new Decision(allowed, false);
        }
        long freshEntries = 0;
        for (int n : fresh.values()) {
            freshEntries += n;
        }
        long base = treeSize;
        long sent = 0;
        for (Sent s : window) {
            base = Math.max(base, s.treeSize());
            sent += s.entries();
        }
        boolean hold = !held.isEmpty()
                || (!limit.off() && base >= MIN_TREE && sent + freshEntries > limit.allowed(base));
        if (!hold) {
            allowed.addAll(fresh.keySet());
            window.addLast(new Sent(now, freshEntries, treeSize));
            return new Decision(allowed, false);
        }
        boolean newHold = held.isEmpty();
        if (newHold) {
            treeAtHold = base;
            sentAtHold = sent;
        }
        held.putAll(fresh);
        return new Decision(allowed, newHold);
    }

    /** Forgets held deletions whose path {@code cameBack} says is there again (the source undid them). */
    public synchronized void forget(Predicate<String> cameBack) {
        held.keySet().removeIf(cameBack);
        released.removeIf(cameBack);
    }

    /**
     * Lets every held deletion go with the next flush that sees it; the window starts over (the user has looked).
     *
     * @return the entries released
     */
    public synchronized long release() {
        long entries = heldEntries();
        released.addAll(held.keySet());
        held.clear();
        window.clear();
        return entries;
    }

    public synchronized boolean holding() {
        return !held.isEmpty();
    }

    /** Entries the held deletions would remove. */
    public synchronized long heldEntries() {
        long n = 0;
        for (int e : held.values()) {
            n += e;
        }
        return n;
    }

    /** The held roots, in the order they were held. */
    public synchronized List<String> heldRoots() {
        return List.copyOf(held.keySet());
    }

    /** What is held and how to release it; null when nothing is. */
    public synchronized String message() {
        if (held.isEmpty()) {
            return null;
        }
        long entries = heldEntries();
        return String.format(Locale.ROOT, "holding %d deletions (%d entries; %d more were deleted in the last "
                        + "minute, of a tree of %d entries): more than ferry.watcher.max-delete=%s at once, which looks "
                        + "like an emptied or unmounted disk. The mirror keeps them; %s",
                held.size(), entries, sentAtHold, treeAtHold, limit, RELEASE_HINT);
    }
}
