package dev.ferry.watcher.watch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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
            flushes.add(d);
            flushedAt.add(System.nanoTime());
        });
    }

    @Test
    void burstOfWritesIsOneFlush() throws InterruptedException {
        ChangeAggregator aggregator = aggregator(100, 5000);
        for (int i = 0; i < 50; i++) {
            aggregator.pathChanged("dir/file" + (i % 5));
            aggregator.pathChanged("dir");
        }
        assertTrue(aggregator.hasPending());
        Thread.sleep(400);

        assertEquals(1, flushes.size());
        assertEquals(Set.of("dir", "dir/file0", "dir/file1", "dir/file2", "dir/file3", "dir/file4"), flushes.get(0).paths());
        assertFalse(flushes.get(0).full());
        assertFalse(aggregator.hasPending());
    }

    @Test
    void quietDelayRestartsWithEachEvent() throws InterruptedException {
        // Events 60 ms apart against a 400 ms quiet delay: only a stall of over 340 ms on a loaded machine could
        // split the burst, and the gaps are measured so such a stall is reported as what it is.
        ChangeAggregator aggregator = aggregator(400, 10_000);
        long start = System.nanoTime();
        long last = start;
        long widestGapMs = 0;
        for (int i = 0; i < 5; i++) {
            aggregator.pathChanged("a");
            long now = System.nanoTime();
            widestGapMs = Math.max(widestGapMs, (now - last) / 1_000_000);
            last = now;
            Thread.sleep(60);
        }
        awaitFlushes(1, 5_000);
        Thread.sleep(500);

        assertEquals(1, flushes.size(), "widest gap between events " + widestGapMs + " ms");
        long elapsedMs = (flushedAt.get(0) - start) / 1_000_000;
        assertTrue(elapsedMs >= 4 * 60 + 390, "flushed after " + elapsedMs + " ms");
    }

    @Test
    void maxDelayBoundsAnEndlessBurst() throws InterruptedException {
        // A burst with events every 20 ms never goes quiet for 300 ms, so only the 1 s maximum delay flushes it.
        ChangeAggregator aggregator = aggregator(300, 1000);
        long start = System.nanoTime();
        long end = start + 3_000_000_000L;
        int i = 0;
        while (System.nanoTime() < end) {
            aggregator.pathChanged("busy" + (i++ % 3));
            Thread.sleep(20);
        }
        awaitFlushes(3, 5_000);

        long firstMs = (flushedAt.get(0) - start) / 1_000_000;
        assertTrue(firstMs >= 980 && firstMs < 2000, "first flush after " + firstMs + " ms");
        assertTrue(flushes.size() >= 3 && flushes.size() <= 5, flushes.size() + " flushes");
    }

    private void awaitFlushes(int n, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (flushes.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void fullRescanAndSubtrees() throws InterruptedException {
        ChangeAggregator aggregator = aggregator(20, 1000);
        aggregator.subtreeChanged("x");
        aggregator.fullRescan();
        Thread.sleep(200);

        assertEquals(1, flushes.size());
        assertTrue(flushes.get(0).full());
        assertEquals(Set.of("x"), flushes.get(0).subtrees());
    }
}
