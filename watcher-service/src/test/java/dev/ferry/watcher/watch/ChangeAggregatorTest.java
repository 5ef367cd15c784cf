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
        ChangeAggregator aggregator = aggregator(150, 5000);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            aggregator.pathChanged("a");
            Thread.sleep(60);
        }
        Thread.sleep(400);

        assertEquals(1, flushes.size());
        long elapsedMs = (flushedAt.get(0) - start) / 1_000_000;
        assertTrue(elapsedMs >= 4 * 60 + 140, "flushed after " + elapsedMs + " ms");
    }

    @Test
    void maxDelayBoundsAnEndlessBurst() throws InterruptedException {
        ChangeAggregator aggregator = aggregator(100, 300);
        long start = System.nanoTime();
        long end = start + 1_000_000_000L;
        int i = 0;
        while (System.nanoTime() < end) {
            aggregator.pathChanged("busy" + (i++ % 3));
            Thread.sleep(20);
        }
        Thread.sleep(300);

        assertTrue(flushes.size() >= 3 && flushes.size() <= 5, flushes.size() + " flushes");
        long firstMs = (flushedAt.get(0) - start) / 1_000_000;
        assertTrue(firstMs >= 280 && firstMs < 600, "first flush after " + firstMs + " ms");
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
