package dev.ferry.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Source folders the watcher cannot read for a while (it runs as nobody, so permissions bite on a root CI too): one
 * that cannot be listed (mode 000), one whose entries cannot be stat'ed (mode 0644: read without search). Unknown
 * is not absent: DEST keeps what it holds of them. Once they are readable again, what changed inside them meanwhile
 * reaches DEST within the short retry backoff, not at the five-minute rescan.
 */
class UnreadableFolderIT {
    private static final Duration SYNC = Duration.ofSeconds(90);
    /** The retry backoff stops growing at 30 s; the safety rescan is 5 minutes away. */
    private static final Duration PROMPT = Duration.ofSeconds(50);
    private static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");

    @Test
    void aFolderThatCannotBeReadKeepsItsMirrorAndIsSyncedSoonAfterItIsReadableAgain(@TempDir Path root) throws Exception {
        Assumptions.assumeTrue(SourceGuardIT.run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "true") == 0,
                "SKIPPED LOUDLY: setpriv cannot switch to nobody; the unreadable-folder test did not run");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (FerryPair pair = new FerryPair(root, "unreadable")) {
            Files.createDirectories(pair.stateDir);
            SourceGuardIT.run("chown", "nobody:nogroup", pair.stateDir.toString());
            for (int i = 0; i < 5; i++) {
                Trees.write(pair.source.resolve("shut/f-" + i + ".txt"), "in a folder that will be shut " + i);
                Trees.write(pair.source.resolve("noexec/g-" + i + ".txt"), "in a folder without search " + i);
            }
            Trees.write(pair.source.resolve("shut/sub/deep.txt"), "deep");
            Trees.write(pair.source.resolve("open/a.txt"), "open");
            pair.startStore();
            pair.watcher = FerryProcess.watcherAs(AS_NOBODY, "unreadable-watcher", pair.source, pair.proxy.url(), pair.env);
            pair.awaitMirror(SYNC);

            // A restarted watcher walks the whole source while the two folders cannot be read.
            pair.stopWatcher();
            Path shut = pair.source.resolve("shut");
            Path noexec = pair.source.resolve("noexec");
            Files.setPosixFilePermissions(shut, PosixFilePermissions.fromString("---------"));
            Files.setPosixFilePermissions(noexec, PosixFilePermissions.fromString("rw-r--r--"));
            pair.watcher = FerryProcess.watcherAs(AS_NOBODY, "unreadable-watcher-2", pair.source, pair.proxy.url(), pair.env);
            Trees.await("the watcher to name both folders it cannot read", SYNC,
                    () -> pair.watcher.log().contains("cannot list shut") && pair.watcher.log().contains("noexec/g-0"),
                    pair.watcher);
            // Comes after every path of the first scan, so once it is in DEST the scan's items were applied.
            Trees.write(pair.source.resolve("zz/marker.txt"), "after the scan");
            Trees.await("the marker in DEST", SYNC, () -> Files.exists(pair.dest.resolve("zz/marker.txt")),
                    pair.store, pair.watcher);
            for (int i = 0; i < 5; i++) {
                assertEquals("in a folder that will be shut " + i, Files.readString(pair.dest.resolve("shut/f-" + i + ".txt")),
                        "a folder that cannot be listed is not a deleted folder\n" + pair.watcher.logTail());
                assertEquals("in a folder without search " + i, Files.readString(pair.dest.resolve("noexec/g-" + i + ".txt")),
                        "an entry that cannot be stat'ed is not a deleted entry\n" + pair.watcher.logTail());
            }
            assertTrue(Files.exists(pair.dest.resolve("shut/sub/deep.txt")));

            // Changed while unreadable (root may), then readable again.
            Trees.write(shut.resolve("new.txt"), "written while shut");
            Trees.write(noexec.resolve("new.txt"), "written without search");
            Files.setPosixFilePermissions(shut, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(noexec, PosixFilePermissions.fromString("rwxr-xr-x"));
            long readable = System.nanoTime();
            Trees.await("the files written while unreadable to reach DEST well before the 5-minute rescan", PROMPT,
                    () -> Files.exists(pair.dest.resolve("shut/new.txt")) && Files.exists(pair.dest.resolve("noexec/new.txt")),
                    pair.store, pair.watcher);
            System.out.printf("unreadable folders synced %d ms after they were readable again%n",
                    (System.nanoTime() - readable) / 1_000_000);
            pair.awaitMirror(SYNC);
        }
    }
}
