package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Message;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.watch.ChangeAggregator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11 item 8: the watcher's state belongs to one store, and a reconcile never sends an index of a source that
 * is not there (the store would wait for chunks no file holds).
 */
class SyncEngineStoreStateTest {
    @TempDir
    Path source;
    @TempDir
    Path stateDir;
    @TempDir
    Path away;

    private final List<ExecutorService> executors = new ArrayList<>();
    private final List<FakeStore> stores = new ArrayList<>();

    @AfterEach
    void stop() {
        executors.forEach(ExecutorService::shutdownNow);
        stores.forEach(s -> s.io.shutdownNow());
    }

    private FakeStore store(String id) {
        FakeStore s = new FakeStore();
        s.id = id;
        stores.add(s);
        return s;
    }

    private final class Watcher {
        final LocalStateCache cache = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        final SyncStatus status = new SyncStatus(source.toString(), "fake");
        final SyncEngine engine;
        final ScheduledExecutorService tree = Executors.newSingleThreadScheduledExecutor();
        final ChangeAggregator aggregator;
        volatile int confirmed;

        Watcher(FakeStore store) {
            ExecutorService protocol = Executors.newSingleThreadExecutor();
            executors.add(tree);
            executors.add(protocol);
            SourceScanner scanner = new SourceScanner(source);
            FileHasher hasher = new FileHasher(new FastCdc(), scanner);
            SyncEngine.Settings settings = new SyncEngine.Settings(Duration.ofMillis(20), Duration.ofMillis(500),
                    false, false, "test", 2, 50, 1 << 20, 40, Duration.ofSeconds(30), Duration.ofSeconds(2));
            aggregator = new ChangeAggregator(Duration.ofMillis(20), Duration.ofMillis(200), tree);
            engine = new SyncEngine(settings, ChunkerParams.DEFAULT, cache,
                    l -> new ChangeDetector(scanner, hasher, cache, l, false),
                    aggregator, WatchedTree.NONE, store, status, tree, protocol,
                    new SyncEngine.Outcome() {
                        @Override
                        public void synced() {
                            confirmed++;
                        }

                        @Override
                        public void failed(String why, int exitCode) {
                            status.error("failed: " + why);
                        }
                    });
            engine.start();
        }
    }

    private void populate() throws IOException {
        for (int i = 0; i < 40; i++) {
            Path f = source.resolve("data/d" + (i % 4) + "/f" + i + ".txt");
            Files.createDirectories(f.getParent());
            Files.writeString(f, "file " + i);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    private static boolean matches(FakeStore store, LocalStateCache cache) {
        Map<String, String> theirs = new TreeMap<>();
        synchronized (store) {
            store.index.forEach((p, m) -> theirs.put(p, m.digest()));
        }
        Map<String, String> mine = new TreeMap<>();
        cache.entries().forEach((p, e) -> mine.put(p, e.digest()));
        return theirs.equals(mine) && theirs.size() == 45;
    }

    private static long indexEntries(FakeStore store) {
        return store.received.stream().filter(m -> m instanceof Message.IndexBatch)
                .mapToLong(m -> ((Message.IndexBatch) m).entries().size()).sum();
    }

    /** Syncs the populated source to a store "first", saves the state, then moves the tree away. */
    private void syncedThenMovedAway() throws Exception {
        populate();
        FakeStore first = store("first");
        Watcher w = new Watcher(first);
        first.connect(w.engine);
        await("the first sync", () -> w.confirmed > 0 && matches(first, w.cache));
        w.engine.saveAndWait();
        executors.forEach(ExecutorService::shutdownNow);
        Files.move(source.resolve("data"), away.resolve("data"));
    }

    @Test
    void aNewStoreStartsFromWhatItHoldsNotFromAnotherStoresState() throws Exception {
        syncedThenMovedAway();
        FakeStore fresh = store("second");
        Watcher w = new Watcher(fresh);
        FakeStore.Link link = fresh.connect(w.engine);
        // The watcher drops the first store's state and says hello again; the fake store has no reconnect loop.
        await("the watcher to settle with the new store", () -> !link.isOpen() || w.confirmed > 0);
        if (!link.isOpen()) {
            fresh.connect(w.engine);
        }
        await("the empty source confirmed in sync with the empty store", () -> w.confirmed > 0);
        String error = String.valueOf(w.status.lastError());
        assertTrue(!error.contains("empty"), "the guard counted the other store's entries: " + error);
        assertEquals(0, indexEntries(fresh), "no index of the other store's state");
        assertEquals(0, w.cache.size());

        Files.move(away.resolve("data"), source.resolve("data"));
        w.aggregator.fullRescan();
        await("the moved-back folder in the new store", () -> matches(fresh, w.cache));
    }

    @Test
    void noIndexIsSentWhileTheSourceIsGuarded() throws Exception {
        syncedThenMovedAway();
        FakeStore same = stores.get(0);
        synchronized (same) {
            same.index.keySet().removeIf(p -> p.startsWith("data/d1"));
        }
        same.received.clear();
        Watcher w = new Watcher(same);
        same.connect(w.engine);
        await("the empty-source guard", () -> String.valueOf(w.status.lastError()).contains("is empty"));
        w.tree.submit(() -> { }).get(); // the welcome's handling, which reconciles, is over
        assertEquals(0, indexEntries(same), "an index of files that are not there: the store would wait for their "
                + "chunks forever");

        Files.move(away.resolve("data"), source.resolve("data"));
        w.aggregator.fullRescan();
        await("the reconcile once the folder is back", () -> matches(same, w.cache) && indexEntries(same) == 45);
    }
}
