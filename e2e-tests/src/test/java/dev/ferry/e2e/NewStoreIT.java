package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A watcher's state belongs to the store it was synced to. Reproduces issue 11 item 8 as a user met it (with 1,500
 * files instead of 20,000): sync a folder, stop both, empty SOURCE and DEST, start both again (a new store with a new
 * id, the watcher's old state), then move the same folder back into SOURCE with one rename, as a restore does.
 * The empty-source guard must not count the old store's entries, and DEST must follow promptly, not after the
 * five-minute stall watchdog.
 */
class NewStoreIT {
    private static final int FILES = 1500;

    @Test
    void aFolderMovedBackAfterAFreshStartOverAnOldStateReachesTheNewStorePromptly(@TempDir Path root) throws Exception {
        Path backup = root.resolve("backup");
        try (FerryPair pair = new FerryPair(root, "new-store")) {
            for (int i = 0; i < FILES; i++) {
                Trees.write(pair.source.resolve("data/d" + (i % 20) + "/f" + i + ".txt"), "small file " + i);
            }
            pair.startStore().startWatcher();
            pair.awaitMirror(Duration.ofSeconds(180));
            pair.stopWatcher();
            pair.store.close();
            pair.proxy.close();

            Files.move(pair.source.resolve("data"), backup);
            Trees.deleteTree(pair.dest);
            // The uploader's debug lines show a chunk read that found no file.
            pair.env.put("QUARKUS_LOG_CATEGORY__DEV_FERRY_WATCHER_UPLOAD__LEVEL", "DEBUG");
            pair.startStore().startWatcher();
            // Either the watcher confirms the (empty) mirror with the new store, or (as before the fix) it has
            // sent the old state's index and tried to read chunks of files that are not there.
            Trees.await("the watcher to settle with the new store", Duration.ofSeconds(60),
                    () -> pair.watcher.log().contains("mirror in sync")
                            || pair.watcher.log().contains("changed since it was hashed"),
                    pair.watcher, pair.store);

            Files.move(backup, pair.source.resolve("data"));
            long t0 = System.nanoTime();
            pair.awaitMirror(Duration.ofSeconds(60));
            System.out.printf("[new-store] %d files reached the new store %.1f s after the move%n", FILES,
                    (System.nanoTime() - t0) / 1e9);
            assertFalse(pair.watcher.log().contains("mass delete"),
                    "the guard measured against the old store's state:\n" + pair.watcher.logTail());
        }
    }
}
