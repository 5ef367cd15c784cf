package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
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
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SyncEngineTest {

    @TempDir
    Path source;
    @TempDir
    Path stateDir;

    private final FakeStore store = new FakeStore();
    private final List<ExecutorService> executors = new ArrayList<>();
    private final Semaphore synced = new Semaphore(0);

    @AfterEach
    void stop() {
        executors.forEach(ExecutorService::shutdownNow);
        store.io.shutdownNow();
    }

    /** One watcher over {@code source}; its uploads go straight to the fake store. */
    private final class Watcher {
        final LocalStateCache cache = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        final SyncStatus status = new SyncStatus(source.toString(), "fake");
        final FileHasher hasher;
        final SyncEngine engine;
        final ChangeAggregator aggregator;
        ScheduledExecutorService tree;

        Watcher() {
            this(false, null);
        }

        /** With {@code once}, a failure is completed into {@code failure} instead of failing the test. */
        Watcher(boolean once, java.util.concurrent.CompletableFuture<String> failure) {
            tree = Executors.newSingleThreadScheduledExecutor();
            ExecutorService protocol = Executors.newSingleThreadExecutor();
            executors.add(tree);
            executors.add(protocol);
            SourceScanner scanner = new SourceScanner(source);
            hasher = new FileHasher(new FastCdc(), scanner);
            SyncEngine.Settings settings = new SyncEngine.Settings(Duration.ofMillis(20), Duration.ofMillis(500),
                    once, false, "test", 2, 3, 1 << 20, 4, Duration.ofSeconds(30), Duration.ofSeconds(2));
            aggregator = new ChangeAggregator(Duration.ofMillis(20), Duration.ofMillis(200), tree);
            engine = new SyncEngine(settings, ChunkerParams.DEFAULT, cache,
                    l -> new ChangeDetector(scanner, hasher, cache, l, false),
                    aggregator, WatchedTree.NONE, store, status, tree, protocol,
                    new SyncEngine.Outcome() {
                        @Override
                        public void synced() {
                            synced.release();
                        }

                        @Override
                        public void failed(String why, int exitCode) {
                            if (failure == null) {
                                throw new AssertionError(why);
                            }
                            failure.complete(exitCode + ": " + why);
                        }
                    });
            engine.start();
        }

        /** Stops as the watcher process does: saves, stops the tree thread, closes the state (its file lock goes). */
        void stop() throws Exception {
            engine.saveAndWait();
            tree.shutdownNow();
            assertTrue(tree.awaitTermination(10, TimeUnit.SECONDS));
            cache.close();
        }
    }

    private void awaitSynced() throws InterruptedException {
        assertTrue(synced.tryAcquire(10, TimeUnit.SECONDS), "store confirmed the sync");
    }

    private void assertStoreMatches(LocalStateCache cache) {
        Map<String, String> mine = new TreeMap<>();
        cache.entries().forEach((p, e) -> mine.put(p, e.digest()));
        Map<String, String> theirs = new TreeMap<>();
        synchronized (store) {
            store.index.forEach((p, m) -> theirs.put(p, m.digest()));
        }
        assertEquals(mine, theirs);
    }

    private <T extends Message> List<T> sent(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (Message m : store.received) {
            if (type.isInstance(m)) {
                out.add(type.cast(m));
            }
        }
        return out;
    }

    private void populate(int files) throws IOException {
        Random random = new Random(5);
        for (int i = 0; i < files; i++) {
            Path f = source.resolve("d" + (i % 4) + "/f" + i + ".bin");
            Files.createDirectories(f.getParent());
            byte[] data = new byte[random.nextInt(100_000)];
            random.nextBytes(data);
            Files.write(f, data);
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000 + i));
        }
    }

    @Test
    void theUploaderLearnsFromEachWelcomeWhichChunkCodecsTheStoreDecodes() throws Exception {
        populate(2);
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        assertEquals(1, store.welcomes.size());
        assertTrue(store.welcomes.get(0).decodes(dev.ferry.protocol.ChunkCodec.ZSTD));

        store.codecs = null;
        watcher.stop();
        Watcher restarted = new Watcher();
        store.connect(restarted.engine);
        awaitSynced();
        assertEquals(2, store.welcomes.size());
        assertFalse(store.welcomes.get(1).decodes(dev.ferry.protocol.ChunkCodec.ZSTD), "an older store: plain records");
    }

    @Test
    void aLateCloseOfTheOldConnectionLeavesTheNewSessionSyncing() throws Exception {
        populate(2);
        Watcher watcher = new Watcher();
        FakeStore.Link first = store.connect(watcher.engine);
        awaitSynced();
        store.connect(watcher.engine);
        awaitSynced();
        // The transport reports the old link's close only now, after the new one opened.
        watcher.engine.closed(first, "closed late");

        Files.writeString(source.resolve("d0/late.txt"), "written after the late close");
        watcher.aggregator.fullRescan();
        awaitSynced();
        assertStoreMatches(watcher.cache);
        assertTrue(watcher.cache.contains("d0/late.txt"));
    }

    @Test
    void firstSyncThenChangesThenARestartThatCostsOneMessage() throws Exception {
        populate(12);
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();

        assertStoreMatches(watcher.cache);
        assertTrue(sent(Message.Changes.class).size() >= 4, "bounded batches of 3 items");
        assertTrue(store.uploadedChunks > 0);
        assertEquals("idle", watcher.status.state());

        Files.move(source.resolve("d1"), source.resolve("renamed"));
        Files.writeString(source.resolve("d0/f0.bin"), "edited");
        Files.setLastModifiedTime(source.resolve("d0/f0.bin"), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
        store.received.clear();
        watcher.aggregator.fullRescan();
        awaitSynced();

        assertStoreMatches(watcher.cache);
        List<Change> items = new ArrayList<>();
        sent(Message.Changes.class).forEach(c -> items.addAll(c.items()));
        assertTrue(items.stream().anyMatch(c -> c instanceof Change.Move && ((Change.Move) c).from().equals("d1")), items.toString());

        watcher.stop();
        store.received.clear();
        Watcher restarted = new Watcher();
        store.connect(restarted.engine);
        awaitSynced();

        assertEquals(0, restarted.hasher.filesHashed());
        assertEquals(List.of(), sent(Message.Changes.class));
        assertEquals(List.of(), sent(Message.IndexBatch.class));
    }

    @Test
    void storeThatLostEntriesGetsAnIndexReconcile() throws Exception {
        populate(9);
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        synchronized (store) {
            store.index.remove("d2/f2.bin");
            store.index.put("stray.txt", dev.ferry.protocol.Manifest.file("stray.txt", 0644, 1, 0, List.of()));
        }
        store.received.clear();

        store.connect(watcher.engine);
        awaitSynced();

        assertStoreMatches(watcher.cache);
        List<Message.IndexBatch> index = sent(Message.IndexBatch.class);
        assertEquals(4, index.size(), "13 entries in batches of 4");
        assertTrue(index.get(index.size() - 1).last());
        List<Change> items = new ArrayList<>();
        sent(Message.Changes.class).forEach(c -> items.addAll(c.items()));
        assertEquals(1, items.size(), items.toString());
        assertEquals("d2/f2.bin", items.get(0).path());
    }

    @Test
    void aQuietSourceStillRepairsAnEntryTheStoreDroppedAtTheNextFullRescan() throws Exception {
        // The store's auditor dropped an entry whose chunks were corrupt; it counts on the watcher to resend it.
        Watcher watcher = syncedThenDroppedByTheStore("d1/f1.bin");

        watcher.aggregator.fullRescan();
        awaitSynced();

        assertStoreMatches(watcher.cache);
        assertTrue(sent(Message.Check.class).size() >= 1);
    }

    @Test
    void aQuietSourceResendsAnEntryTheStoreDroppedAsSoonAsTheStoreAsks() throws Exception {
        // An integrity repair left an entry for the watcher to send again, and the store says so unasked.
        Watcher watcher = syncedThenDroppedByTheStore("d1/f1.bin");

        store.checkedUnasked("the integrity check left 1 problem(s) for the watcher to resend");
        awaitSynced();

        assertStoreMatches(watcher.cache);
        assertTrue(sent(Message.Check.class).size() >= 1);
    }

    /** A synced tree of six files of which the store then lost {@code path} from its index, behind the watcher's back. */
    private Watcher syncedThenDroppedByTheStore(String path) throws Exception {
        populate(6);
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        synchronized (store) {
            store.index.remove(path);
        }
        store.received.clear();
        return watcher;
    }

    private static void writeAt(Path file, long offset, byte[] data) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(data), offset);
        }
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 30_000));
    }

    private List<Change.Patch> patchesSince(int from) {
        return new ArrayList<>(store.patches.subList(from, store.patches.size()));
    }

    @Test
    void editsCopiesAndRenamesOfLargeFilesGoAsPatchesAndFallBackToFullManifests() throws Exception {
        Random random = new Random(11);
        byte[] big = new byte[3 << 20];
        random.nextBytes(big);
        Path file = source.resolve("big.bin");
        Files.write(file, big);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        assertEquals(List.of(), store.patches, "a first sync sends full manifests");

        byte[] patch = new byte[65536];
        random.nextBytes(patch);
        writeAt(file, 1 << 20, patch);
        watcher.aggregator.fullRescan();
        awaitSynced();
        assertStoreMatches(watcher.cache);
        List<Change.Patch> edit = patchesSince(0);
        assertEquals(1, edit.size(), edit.toString());
        assertEquals("big.bin", edit.get(0).base());
        assertTrue(edit.get(0).delta().length < 300, edit.toString());

        Files.copy(file, source.resolve("copy.bin"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        watcher.aggregator.fullRescan();
        awaitSynced();
        assertStoreMatches(watcher.cache);
        List<Change.Patch> copy = patchesSince(1);
        assertEquals(1, copy.size(), copy.toString());
        assertEquals("copy.bin", copy.get(0).path());
        assertEquals("big.bin", copy.get(0).base(), "found by its first chunk");

        Files.move(file, source.resolve("moved.bin"));
        watcher.aggregator.fullRescan();
        awaitSynced();
        assertStoreMatches(watcher.cache);
        List<Change.Patch> move = patchesSince(2);
        assertEquals(1, move.size(), move.toString());
        assertTrue(move.get(0).move());
        assertEquals("big.bin", move.get(0).base());

        store.forgetBases = true;
        int uploadedBefore = store.uploadedChunks;
        random.nextBytes(patch);
        writeAt(source.resolve("copy.bin"), 2 << 20, patch);
        store.received.clear();
        watcher.aggregator.fullRescan();
        awaitSynced();
        assertStoreMatches(watcher.cache);
        assertEquals(4, store.patches.size());
        List<Change> items = new ArrayList<>();
        sent(Message.Changes.class).forEach(c -> items.addAll(c.items()));
        assertTrue(items.stream().anyMatch(c -> c instanceof Change.Upsert && c.path().equals("copy.bin")),
                "the full manifest followed the refused patch: " + items);
        assertTrue(store.uploadedChunks - uploadedBefore <= 3, "still only the changed chunks");
    }

    @Test
    void aStoreThatHasTheCachedTreeGetsTheScansChangesWithoutAnIndex() throws Exception {
        populate(10);
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        assertStoreMatches(watcher.cache);
        assertEquals(List.of(), sent(Message.IndexBatch.class), "empty cache, empty store: in sync, no reconcile");
        List<Change> items = new ArrayList<>();
        sent(Message.Changes.class).forEach(c -> items.addAll(c.items()));
        assertEquals(watcher.cache.size(), items.size(), "each entry sent once: " + items);
    }

    @Test
    void aStoreThatDiffersFromTheCachedTreeIsReconciledAfterTheScan() throws Exception {
        populate(8);
        synchronized (store) {
            store.index.put("stray.txt", dev.ferry.protocol.Manifest.file("stray.txt", 0644, 1, 0, List.of()));
        }
        Watcher watcher = new Watcher();
        store.connect(watcher.engine);
        awaitSynced();
        assertStoreMatches(watcher.cache);
        assertTrue(sent(Message.IndexBatch.class).size() >= 1);
        List<Change> items = new ArrayList<>();
        sent(Message.Changes.class).forEach(c -> items.addAll(c.items()));
        assertEquals(watcher.cache.size(), items.size(), "the scan's changes are not sent besides the reconcile: " + items);
    }

    /** Issue 11 item 1: the store's index matches but DEST does not: --once fails, naming the store's reason. */
    @Test
    void onceFailsWithTheStoresReasonWhenDestIsNotAMirror() throws Exception {
        populate(3);
        String why = "DEST is not a mirror yet: 1 foreign entries the store cannot remove (first: lost+found)";
        store.destProblem = why;
        java.util.concurrent.CompletableFuture<String> failure = new java.util.concurrent.CompletableFuture<>();
        Watcher watcher = new Watcher(true, failure);
        store.connect(watcher.engine);
        String failed = failure.get(30, TimeUnit.SECONDS);
        assertTrue(failed.startsWith("1: ") && failed.contains(why), failed);
        assertEquals(0, synced.availablePermits(), "never reported as synced");
        assertTrue(sent(Message.Check.class).size() > 3, "a check after each reconcile");
    }
}
