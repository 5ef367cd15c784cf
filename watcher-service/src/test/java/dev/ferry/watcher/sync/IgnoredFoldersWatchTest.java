package dev.ferry.watcher.sync;

import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.watch.ChangeAggregator;
import dev.ferry.watcher.watch.DirectoryWatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inotify side of the ignore rules, with a real watch service over real folders: an ignored folder (a
 * node_modules with many folders) takes no watch, events of ignored entries never reach a flush, a folder a new
 * rule ignores loses its watches, and one a removed rule un-ignores gets them back.
 */
class IgnoredFoldersWatchTest {
    @TempDir
    Path root;
    @TempDir
    Path stateDir;

    private final ScheduledExecutorService tree = Executors.newSingleThreadScheduledExecutor();
    /** Every path the watcher reported to a flush, and every change the flushes emitted. */
    private final Set<String> dirty = ConcurrentHashMap.newKeySet();
    private final List<String> emitted = new CopyOnWriteArrayList<>();
    private DirectoryWatcher watcher;
    private ChangeAggregator aggregator;

    @BeforeEach
    void start() throws IOException {
        Files.writeString(root.resolve(".ferryignore"), "node_modules/\n*.log\n");
        for (int i = 0; i < 40; i++) {
            Files.createDirectories(root.resolve("node_modules/pkg-" + i + "/lib"));
            Files.writeString(root.resolve("node_modules/pkg-" + i + "/lib/index.js"), "module " + i);
        }
        Files.createDirectories(root.resolve("src/gen/sub"));
        Files.writeString(root.resolve("src/Main.java"), "class Main {}");

        SourceScanner scanner = new SourceScanner(root);
        LocalStateCache cache = new LocalStateCache(stateDir, root.toString(), dev.ferry.chunker.ChunkerParams.DEFAULT);
        SourceIgnoreRules ignores = SourceIgnoreRules.withoutExcludes();
        ChangeDetector detector = new ChangeDetector(scanner, new FileHasher(new FastCdc(), scanner), cache,
                new ChangeDetector.Listener() {
                    @Override
                    public void emit(Change change) {
                        emitted.add((change instanceof Change.Delete ? "delete " : "upsert ") + change.path());
                    }

                    @Override
                    public void watchDirectory(String dirPath, Path dir) {
                        watcher.register(dirPath, dir);
                    }

                    @Override
                    public void removed(String path) {
                        watcher.forget(path);
                    }

                    @Override
                    public void ignored(String path) {
                        watcher.unwatch(path);
                    }
                }, false, null, 0, DeleteBrake.off(), ignores);
        aggregator = new ChangeAggregator(Duration.ofMillis(5), Duration.ofMillis(50), tree, d -> {
            dirty.addAll(d.paths());
            detector.flush(d);
        });
        watcher = new DirectoryWatcher(aggregator, root, ignores::ignoredAnyway);
        watcher.start();
        aggregator.fullRescan();
        await("the first scan", () -> emitted.contains("upsert src/Main.java"));
    }

    @AfterEach
    void stop() {
        watcher.close();
        tree.shutdownNow();
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void anIgnoredFolderTakesNoWatchAndIgnoredEntriesMakeNoFlush() throws Exception {
        assertEquals(Set.of("", "src", "src/gen", "src/gen/sub"), watchedOf("", "src", "src/gen", "src/gen/sub",
                "node_modules", "node_modules/pkg-0", "node_modules/pkg-0/lib"));
        assertEquals(4, watcher.watchedDirectories(), "40 ignored package folders hold no inotify watch");

        Files.writeString(root.resolve("node_modules/pkg-0/lib/index.js"), "edited");
        Files.writeString(root.resolve("debug.log"), "log line");
        Files.writeString(root.resolve("src/debug.log"), "log line");
        // Events come in order: once the marker's is in, the ones before it would have been too.
        Files.writeString(root.resolve("src/marker.txt"), "after the ignored writes");
        await("the marker's upsert", () -> emitted.contains("upsert src/marker.txt"));

        assertFalse(dirty.stream().anyMatch(p -> p.startsWith("node_modules/") || p.endsWith(".log")),
                "events of ignored entries reach no flush: " + dirty);
        assertFalse(emitted.stream().anyMatch(e -> e.contains("node_modules") || e.endsWith(".log")), emitted.toString());
    }

    @Test
    void aNewRuleUnwatchesItsFolderAndRemovingItWatchesItAgain() throws Exception {
        Files.writeString(root.resolve(".ferryignore"), "node_modules/\n*.log\ngen/\n");
        await("src/gen to lose its watch", () -> !watcher.watches("src/gen") && !watcher.watches("src/gen/sub"));
        assertTrue(watcher.watches("src"));
        assertFalse(emitted.stream().anyMatch(e -> e.startsWith("delete")), "no delete for an ignored folder: " + emitted);

        Files.writeString(root.resolve(".ferryignore"), "node_modules/\n*.log\n");
        await("src/gen to be watched again", () -> watcher.watches("src/gen") && watcher.watches("src/gen/sub"));
        Files.writeString(root.resolve("src/gen/sub/made.java"), "made after the rule went");
        await("a file in the un-ignored folder to be sent", () -> emitted.contains("upsert src/gen/sub/made.java"));
        assertFalse(watcher.watches("node_modules"));
    }

    private Set<String> watchedOf(String... dirs) {
        Set<String> watched = new java.util.TreeSet<>();
        for (String d : dirs) {
            if (watcher.watches(d)) {
                watched.add(d);
            }
        }
        return watched;
    }
}
