package dev.ferry.watcher.watch;

import dev.ferry.watcher.sync.DirtySet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChangeAggregatorTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final List<DirtySet> flushes = new CopyOnWriteArrayList<>();
    private final List<Long> flushedAt = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    private ChangeAggregator aggregator(long quietMs, long maxMs) {
        return new ChangeAggregator(Duration.ofMillis(quietMs), Duration.ofMillis(maxMs), scheduler, d -> {
            flushedAt.add(System.nanoTime());
            flushes.add(d);
        });
    }

    /**
     * The scheduler's only thread is held while the burst goes in, so no pause of this thread on a loaded machine
     * can let the quiet delay pass in the middle of it: whatever the timing, all of it must come out as one flush.
     */
    @Test
    void burstOfWritesIsOneFlush() throws Exception {
        ChangeAggregator aggregator = aggregator(100, 5000);
        CountDownLatch release = new CountDownLatch(1);
        scheduler.execute(() -> awaitQuietly(release));
        for (int i = 0; i < 50; i++) {
            aggregator.pathChanged("dir/file" + (i % 5));
            aggregator.pathChanged("dir");
        }
        assertTrue(aggregator.hasPending());
        release.countDown();
        awaitFlushes(1);

        assertEquals(Set.of("dir", "dir/file0", "dir/file1", "dir/file2", "dir/file3", "dir/file4"), flushes.get(0).paths());
        assertFalse(flushes.get(0).full());
        assertFalse(aggregator.hasPending());
        assertEquals(1, flushes.size());
    }

    /**
     * Events 60 ms apart against a 400 ms quiet delay. The flush must come no sooner than the quiet delay after the
     * LAST event (so each event restarted it); timestamps are taken before each call, so a stall of this thread can
     * only make the measured wait longer. A stall of over 400 ms between two events would rightly split the burst:
     * the single-flush expectation holds when the widest measured gap stayed under the quiet delay.
     */
    @Test
    void quietDelayRestartsWithEachEvent() throws Exception {
        ChangeAggregator aggregator = aggregator(400, 10_000);
        long start = System.nanoTime();
        long last = start;
        long widestGapMs = 0;
        for (int i = 0; i < 5; i++) {
            long now = System.nanoTime();
            widestGapMs = Math.max(widestGapMs, (now - last) / 1_000_000);
            last = now;
            aggregator.pathChanged("a");
            if (i < 4) {
                Thread.sleep(60);
            }
        }
        awaitCondition(() -> !flushes.isEmpty() && !aggregator.hasPending(), "the burst's flush");

        long afterLastMs = (flushedAt.get(flushedAt.size() - 1) - last) / 1_000_000;
        assertTrue(afterLastMs >= 399, "flushed " + afterLastMs + " ms after the last event, quiet delay 400 ms");
        if (widestGapMs < 390) {
            assertEquals(1, flushes.size(), "widest gap between events " + widestGapMs + " ms");
            long afterFirstMs = (flushedAt.get(0) - start) / 1_000_000;
            assertTrue(afterFirstMs >= 4 * 60 + 399, "flushed " + afterFirstMs + " ms after the first event");
        }
    }

    /**
     * Events every 20 ms never leave the 300 ms quiet delay: only the 1 s maximum delay can flush. The burst goes
     * on until three flushes came (with a deadline, not for a fixed time). The first flush must come no sooner than
     * the maximum delay after the first event, unless this thread stalled past the quiet delay before it.
     */
    @Test
    void maxDelayBoundsAnEndlessBurst() throws Exception {
        ChangeAggregator aggregator = aggregator(300, 1000);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<Long> eventAt = new ArrayList<>();
        int i = 0;
        while (flushes.size() < 3 && System.nanoTime() < deadline) {
            eventAt.add(System.nanoTime());
            aggregator.pathChanged("busy" + (i++ % 3));
            Thread.sleep(20);
        }
        assertTrue(flushes.size() >= 3, "an endless burst was never flushed: " + flushes.size() + " flushes in 60 s");

        long firstFlush = flushedAt.get(0);
        long widestGapNs = 0;
        for (int e = 1; e < eventAt.size() && eventAt.get(e) < firstFlush; e++) {
            widestGapNs = Math.max(widestGapNs, eventAt.get(e) - eventAt.get(e - 1));
        }
        long afterStartMs = (firstFlush - eventAt.get(0)) / 1_000_000;
        if (widestGapNs < 290_000_000L) {
            assertTrue(afterStartMs >= 999, "first flush came " + afterStartMs + " ms into the burst");
        }
    }

    @Test
    void fullRescanAndSubtrees() throws Exception {
        ChangeAggregator aggregator = aggregator(20, 1000);
        aggregator.subtreeChanged("x");
        aggregator.fullRescan();
        awaitFlushes(1);

        assertTrue(flushes.get(0).full());
        assertEquals(Set.of("x"), flushes.get(0).subtrees());
        assertFalse(aggregator.hasPending());
        assertEquals(1, flushes.size());
    }

    private void awaitFlushes(int n) throws InterruptedException {
        awaitCondition(() -> flushes.size() >= n, n + " flushes");
    }

    private static void awaitCondition(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean(), "no " + what + " within 30 s");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
