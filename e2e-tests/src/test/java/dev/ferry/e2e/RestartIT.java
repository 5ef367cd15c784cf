package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Either side stopping, crashing or starting late converges to the mirror with no manual step. */
class RestartIT {

    private static void populate(Path source, int files) throws Exception {
        for (int i = 0; i < files; i++) {
            Trees.write(source.resolve("dir-" + (i % 10) + "/file-" + i + ".txt"), "content of file " + i + "\n".repeat(i % 50));
        }
        Trees.writeRandom(source.resolve("large.bin"), 3, 5_000_000);
    }

    @Test
    void watcherRestartOverAnUnchangedTreeSendsAlmostNothing(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "restart-unchanged")) {
            populate(pair.source, 300);
            pair.startStore().startWatcher();
            pair.awaitMirror();
            pair.stopWatcher();
            pair.proxy.reset();
            assertEquals(0, pair.runOnce("unchanged"), "--once over a synced tree must succeed");
            long bytes = pair.proxy.total();
            System.out.printf("[budget] restart over 301 unchanged files: %,d bytes on the wire%n", bytes);
            assertTrue(bytes < 16 * 1024, "restart over an unchanged tree cost " + bytes + " bytes");
        }
    }

    @Test
    void changesMadeWhileTheWatcherWasStoppedAreSentAtStart(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "restart-changed")) {
            populate(pair.source, 50);
            pair.startStore().startWatcher();
            pair.awaitMirror();
            pair.stopWatcher();
            Files.delete(pair.source.resolve("dir-1/file-1.txt"));
            Trees.write(pair.source.resolve("dir-2/file-2.txt"), "changed while nobody watched");
            Trees.write(pair.source.resolve("added/while/stopped.txt"), "new");
            Files.move(pair.source.resolve("dir-3"), pair.source.resolve("dir-3-renamed"));
            pair.startWatcher();
            pair.awaitMirror();
        }
    }

    @Test
    void watcherStartedBeforeTheStoreSyncsOnceTheStoreIsUp(@TempDir Path root) throws Exception {
        Path source = Files.createDirectories(root.resolve("source"));
        Path dest = root.resolve("dest");
        populate(source, 20);
        int port = FerryProcess.freePort();
        Map<String, String> env = Map.of("FERRY_WATCHER_STATE_DIR", root.resolve("state").toString());
        try (FerryProcess watcher = FerryProcess.watcher("early-watcher", source, "http://127.0.0.1:" + port, env)) {
            FerryProcess.sleep(3000);
            assertTrue(watcher.isAlive(), "the watcher waits for the store instead of exiting:\n" + watcher.logTail());
            try (FerryProcess store = FerryProcess.storeOnPort("late-store", dest, port, env)) {
                Trees.awaitMirror(source, dest, FerryPair.SYNC_TIMEOUT, store, watcher);
            }
            assertTrue(watcher.log().toLowerCase().contains("retry"), "the watcher says it is retrying:\n" + watcher.logTail());
        }
    }

    @Test
    void storeKilledAndRestartedConverges(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "store-crash")) {
            populate(pair.source, 30);
            pair.startStore().startWatcher();
            pair.awaitMirror();
            int port = pair.store.httpPort;
            pair.store.kill();
            Trees.write(pair.source.resolve("written-while-store-down.txt"), "hello");
            Files.delete(pair.source.resolve("dir-4/file-4.txt"));
            pair.store = FerryProcess.storeOnPort("store-crash-restarted", pair.dest, port, pair.env);
            pair.store.awaitReady(java.time.Duration.ofSeconds(60));
            pair.awaitMirror();
        }
    }
}
