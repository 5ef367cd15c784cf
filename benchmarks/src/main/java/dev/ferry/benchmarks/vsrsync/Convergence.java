package dev.ferry.benchmarks.vsrsync;

import dev.ferry.benchmarks.vsrsync.TreeComparison.Difference;
import dev.ferry.benchmarks.vsrsync.TreeComparison.Entry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Waits until DEST equals SOURCE and says when that first held. Cheap while waiting: after one full walk of DEST
 * it re-stats only the paths that still differ, in order, stopping at the first one still wrong; when none is
 * left it checks every directory (whose mtime a later child can disturb) and then reads every byte of both
 * trees to confirm. The moment reported is the end of the cheap look that found nothing left, so it errs late
 * (against the tool measured) by at most one poll interval plus one look at the paths that were still pending.
 */
final class Convergence {
    private Convergence() {
    }

    /** The result: when DEST was first seen equal (System.nanoTime), and how many byte-level confirmations failed. */
    record Result(long equalAtNanos, int failedConfirmations) {
    }

    /**
     * Polls until DEST equals {@code expected} (a snapshot of SOURCE, which must stay quiet meanwhile) and then
     * SOURCE byte for byte. {@code check} runs every round and throws when a process it watches has died.
     */
    static Result await(TreeComparison comparison, Path source, Path dest, Map<String, Entry> expected,
                        Duration timeout, Duration poll, Runnable check, Supplier<String> context) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> dirs = expected.entrySet().stream().filter(e -> e.getValue().type() == 'd')
                .map(Map.Entry::getKey).collect(Collectors.toList());
        Set<String> pending = new LinkedHashSet<>();
        TreeComparison.metadataDifferences(expected, comparison.tree(dest)).forEach(d -> pending.add(d.path()));
        int failedConfirmations = 0;
        List<Difference> last = List.of();
        while (true) {
            check.run();
            // Stop at the first path still differing: while the tool works, a round costs a handful of stats.
            boolean filesDone = removeMatching(comparison, pending, expected, dest);
            boolean dirsDone = filesDone && dirs.stream()
                    .allMatch(d -> expected.get(d).equals(comparison.entry(dest.resolve(d))));
            long now = System.nanoTime();
            if (dirsDone) {
                last = comparison.fullDifferences(source, dest);
                if (last.isEmpty()) {
                    return new Result(now, failedConfirmations);
                }
                failedConfirmations++;
                last.forEach(d -> pending.add(d.path()));
            }
            if (now > deadline) {
                List<String> shown = new ArrayList<>();
                if (last.isEmpty()) {
                    pending.stream().limit(20).forEach(p -> shown.add(p + ": source " + expected.get(p)
                            + " dest " + comparison.entry(dest.resolve(p))));
                    if (pending.isEmpty()) {
                        dirs.stream().filter(d -> !expected.get(d).equals(comparison.entry(dest.resolve(d))))
                                .limit(20).forEach(d -> shown.add(d + ": source " + expected.get(d) + " dest "
                                        + comparison.entry(dest.resolve(d))));
                    }
                } else {
                    last.stream().limit(20).forEach(d -> shown.add(d.toString()));
                }
                throw new BenchException("DEST " + dest + " did not equal SOURCE " + source + " within "
                        + timeout.toSeconds() + " s; " + pending.size() + " paths pending, e.g.\n  "
                        + String.join("\n  ", shown) + "\n" + context.get());
            }
            sleep(poll.toMillis());
        }
    }

    private static boolean removeMatching(TreeComparison comparison, Set<String> pending, Map<String, Entry> expected, Path dest) {
        Iterator<String> it = pending.iterator();
        while (it.hasNext()) {
            String p = it.next();
            if (!Objects.equals(expected.get(p), comparison.entry(dest.resolve(p)))) {
                return false;
            }
            it.remove();
        }
        return true;
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
