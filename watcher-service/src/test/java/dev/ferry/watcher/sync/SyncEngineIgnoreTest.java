package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.watch.ChangeAggregator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sync conversation under ignore rules, against the in-memory store: the store has the rules before any index
 * or change that depends on them, a new rule reaches it as an ignore message with no delete, the next start's hello
 * carries the rules already, and {@code --once} fails, naming the file, when an ignore file cannot be read.
 */
class SyncEngineIgnoreTest {

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

    private final class Watcher {
        final LocalStateCache cache = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        final SourceScanner scanner = new SourceScanner(source);
        final SyncStatus status = new SyncStatus(source.toString(), "fake");
        final SyncEngine engine;
        final ChangeAggregator aggregator;

        Watcher(boolean once, CompletableFuture<String> failure) {
            ScheduledExecutorService tree = Executors.newSingleThreadScheduledExecutor();
            ExecutorService protocol = Executors.newSingleThreadExecutor();
            executors.add(tree);
            executors.add(protocol);
            FileHasher hasher = new FileHasher(new FastCdc(), scanner);
            SourceIgnoreRules ignores = new SourceIgnoreRules(List.of(), stateDir.resolve(SourceIgnoreRules.STATE_FILE));
            SyncEngine.Settings settings = new SyncEngine.Settings(Duration.ofMillis(20), Duration.ofMillis(500),
                    once, false, "test", 2, 3, 1 << 20, 4, Duration.ofSeconds(30), Duration.ofSeconds(2));
            aggregator = new ChangeAggregator(Duration.ofMillis(20), Duration.ofMillis(200), tree);
            engine = new SyncEngine(settings, ChunkerParams.DEFAULT, cache,
                    l -> new ChangeDetector(scanner, hasher, cache, l, false, null, 0, DeleteBrake.off(), ignores),
                    aggregator, WatchedTree.NONE,
                    store, status, tree, protocol, new SyncEngine.Outcome() {
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
    }

    private void awaitSynced() throws InterruptedException {
        assertTrue(synced.tryAcquire(10, TimeUnit.SECONDS), "store confirmed the sync");
    }

    private void write(String path, String content) throws IOException {
        Path file = source.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private Map<String, String> storeIndex() {
        Map<String, String> theirs = new TreeMap<>();
        synchronized (store) {
            store.index.forEach((p, m) -> theirs.put(p, m.digest()));
        }
        return theirs;
    }

    private Map<String, String> cacheIndex(LocalStateCache cache) {
        Map<String, String> mine = new TreeMap<>();
        cache.entries().forEach((p, e) -> mine.put(p, e.digest()));
        return mine;
    }

    /** Position of the first received message matching {@code test}, or -1. */
    private int first(java.util.function.Predicate<Message> test) {
        List<Message> received = List.copyOf(store.received);
        for (int i = 0; i < received.size(); i++) {
            if (test.test(received.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean changes(Message m, java.util.function.Predicate<Change> item) {
        return m instanceof Message.Changes c && c.items().stream().anyMatch(item);
    }

    @Test
    void theStoreHasTheRulesBeforeTheIndexAndANewRuleIsAnIgnoreMessageWithoutADelete() throws Exception {
        write(".ferryignore", "*.log\n");
        write("a.txt", "a");
        write("b.log", "b");
        write("gen/out.bin", "generated");
        // A store that is not in sync: the scan runs before a reconcile, whose index the store reads with the rules.
        store.index.put("stale", dev.ferry.protocol.Manifest.directory("stale", 0755, 0));
        Watcher watcher = new Watcher(false, null);
        store.connect(watcher.engine);
        awaitSynced();

        assertEquals(List.of("*.log\n"), store.rules.files().stream().map(IgnoreSet.IgnoreFile::text).toList());
        int rules = first(m -> m instanceof Message.Ignore);
        int index = first(m -> m instanceof Message.IndexBatch || m instanceof Message.Changes);
        assertTrue(first(m -> m instanceof Message.IndexBatch) >= 0, "a reconcile: " + store.received);
        assertTrue(rules >= 0 && rules < index, "the rules go before the index and changes: " + store.received);
        assertFalse(storeIndex().containsKey("b.log"));
        assertEquals(cacheIndex(watcher.cache), storeIndex());

        store.received.clear();
        write(".ferryignore", "*.log\ngen/\n");
        watcher.aggregator.pathChanged(".ferryignore");
        awaitSynced();

        int ignore = first(m -> m instanceof Message.Ignore);
        int upsert = first(m -> changes(m, c -> c.path().equals(".ferryignore")));
        assertTrue(ignore >= 0 && ignore < upsert, "the new rules go before the change that made them: " + store.received);
        assertEquals(-1, first(m -> changes(m, c -> c instanceof Change.Delete)), "nothing is deleted: " + store.received);
        assertFalse(storeIndex().containsKey("gen") || storeIndex().containsKey("gen/out.bin"), "the store forgot gen");
        assertEquals(cacheIndex(watcher.cache), storeIndex());
    }

    @Test
    void theWatchersOwnRestoreTempFilesAreNeverSent() throws Exception {
        write("a.txt", "a");
        write(".ferry-restore-0badf00d.tmp", "half a restored file");
        write("docs/.ferry-restore-1badf00d.tmp", "half another");
        // Names that only look alike are the user's: sent as any file.
        write("my.tmp", "mine");
        write(".ferry-restore-notes.txt", "mine too");
        Watcher watcher = new Watcher(false, null);
        store.connect(watcher.engine);
        awaitSynced();

        assertEquals(Set.of("a.txt", "docs", "my.tmp", ".ferry-restore-notes.txt"), storeIndex().keySet());

        // A restore writing into SOURCE while the watcher runs: its temp file's event comes first.
        write("docs/.ferry-restore-2badf00d.tmp", "being restored");
        write("docs/b.txt", "b");
        watcher.aggregator.pathChanged("docs/.ferry-restore-2badf00d.tmp");
        watcher.aggregator.pathChanged("docs/b.txt");
        awaitSynced();

        assertEquals(Set.of("a.txt", "docs", "docs/b.txt", "my.tmp", ".ferry-restore-notes.txt"),
                storeIndex().keySet());
        assertEquals(-1, first(m -> changes(m, c -> c.path().contains(".ferry-restore-") && c.path().endsWith(".tmp"))),
                "no temp file was ever sent: " + store.received);
    }

    @Test
    void aRestartSaysHelloWithTheRulesItLastHad() throws Exception {
        write(".ferryignore", "build/\n");
        write("build/out.bin", "output");
        write("src/a.txt", "a");
        Watcher first = new Watcher(false, null);
        store.connect(first.engine);
        awaitSynced();
        first.engine.saveAndWait();
        executors.forEach(ExecutorService::shutdownNow);

        store.received.clear();
        Watcher second = new Watcher(false, null);
        store.connect(second.engine);
        awaitSynced();

        Message.Hello hello = (Message.Hello) store.received.get(0);
        assertEquals(List.of(new IgnoreSet.IgnoreFile("", "build/\n")), hello.ignoreRules().files(),
                "the store must not take build/ for a foreign entry while the scan reads the rules again");
        assertEquals(-1, first(m -> m instanceof Message.Ignore), "the rules did not change: " + store.received);
    }

    @Test
    void onceFailsNamingAnIgnoreFileThatCannotBeRead() throws Exception {
        write(".ferryignore", "*.log\n");
        write("docs/.ferryignore", "*.tmp\n");
        write("docs/a.txt", "a");
        CompletableFuture<String> failure = new CompletableFuture<>();
        Watcher watcher = new Watcher(true, failure);
        watcher.scanner.statFaults(path -> path.equals("docs/.ferryignore")
                ? new FileSystemException(path, null, "Input/output error") : null);
        store.connect(watcher.engine);

        String why = failure.get(10, TimeUnit.SECONDS);
        assertTrue(why.startsWith("1: ") && why.contains("docs/.ferryignore") && why.contains("Input/output error"), why);
        assertFalse(synced.tryAcquire(), "never confirmed in sync");
        String lastError = watcher.status.lastError();
        assertTrue(lastError != null && lastError.contains("docs/.ferryignore"), "status lastError: " + lastError);
    }
}
