package dev.ferry.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Disk faults: DEST full (a small tmpfs), DEST read-only (remounted), the watcher's state folder read-only, a source
 * file the watcher may not read (it runs as nobody), files deleted between scan and read. Each gives a clear
 * message, the rest keeps syncing, nothing is lost, and the mirror converges once the fault is gone.
 */
class DiskFaultIT {
    private static final Duration SYNC = Duration.ofSeconds(90);

    private static void mountTmpfs(Path dir, String size) throws Exception {
        Files.createDirectories(dir);
        Assumptions.assumeTrue(SourceGuardIT.run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()) == 0,
                "SKIPPED LOUDLY: cannot mount a tmpfs (needs root and mount(8)); disk-fault tests did not run");
    }

    private static long lines(FerryProcess p, String... all) {
        return p.log().lines().filter(l -> {
            for (String s : all) {
                if (!l.contains(s)) {
                    return false;
                }
            }
            return true;
        }).count();
    }

    @Test
    void aFullDestinationKeepsRenamesAndDeletesGoingSaysSoOnceAndConvergesWhenFreed(@TempDir Path root) throws Exception {
        FerryPair pair = new FerryPair(root, "disk-full");
        mountTmpfs(pair.dest, "8m");
        try (pair) {
            pair.env.put("FERRY_WATCHER_RETRY_MAX_DELAY", "1s");
            // An 8 MiB disk is below the readiness floor (ferry.store.min-free-disk): this test wants it served.
            pair.env.put("FERRY_STORE_MIN_FREE_DISK", "0");
            for (int i = 0; i < 10; i++) {
                Trees.write(pair.source.resolve("a-small/file-" + i + ".txt"), "small file " + i + "\n".repeat(i * 100));
            }
            pair.startStore().startWatcher();
            pair.awaitMirror();
            // 12 MiB into 8: the chunks stop fitting. Renames and deletes need no space and go on meanwhile.
            Trees.writeRandom(pair.source.resolve("z-large/big.bin"), 5, 12 * 1024 * 1024);
            Trees.await("the watcher's status to name the full disk", SYNC,
                    () -> SourceGuardIT.status(pair.watcher).contains("disk is full"), pair.watcher);
            Files.move(pair.source.resolve("a-small/file-3.txt"), pair.source.resolve("a-small/renamed-while-full.txt"));
            Files.delete(pair.source.resolve("a-small/file-4.txt"));
            Trees.await("the rename and the delete to be applied on the full disk", SYNC,
                    () -> Files.exists(pair.dest.resolve("a-small/renamed-while-full.txt"))
                            && !Files.exists(pair.dest.resolve("a-small/file-4.txt")), pair.store, pair.watcher);
            Trees.await("the watcher's status to name the full disk", SYNC,
                    () -> SourceGuardIT.status(pair.watcher).contains("disk is full"), pair.watcher);
            FerryProcess.sleep(4000);
            assertTrue(!Files.exists(pair.dest.resolve("z-large/big.bin"))
                    || Files.size(pair.dest.resolve("z-large/big.bin")) < 12 * 1024 * 1024, "the large file cannot fit");
            assertTrue(lines(pair.store, "WARN", "No space left on device") >= 1, pair.store.logTail());
            long warnings = lines(pair.watcher, "WARN", "disk is full");
            assertTrue(warnings >= 1 && warnings <= 2, "the full disk is reported once, not on every retry: "
                    + warnings + " warnings\n" + pair.watcher.logTail());
            assertEquals(0, SourceGuardIT.run("mount", "-o", "remount,size=64m", pair.dest.toString()));
            pair.awaitMirror();
            Trees.await("the watcher to say uploads work again", SYNC, () -> pair.watcher.log().contains("work again"),
                    pair.watcher);
        } finally {
            SourceGuardIT.run("umount", pair.dest.toString());
        }
    }

    @Test
    void aReadOnlyDestinationAndStateFolderLoseNothingAndBackOff(@TempDir Path root) throws Exception {
        FerryPair pair = new FerryPair(root, "read-only");
        try {
            mountTmpfs(pair.stateDir, "1m");
            assertEquals(0, SourceGuardIT.run("mount", "-o", "remount,ro", pair.stateDir.toString()));
            pair.env.put("FERRY_WATCHER_RECONCILE_MAX_DELAY", "2s");
            for (int i = 0; i < 10; i++) {
                Trees.write(pair.source.resolve("docs/file-" + i + ".txt"), "content " + i);
            }
            pair.startStore().startWatcher();
            pair.awaitMirror();
            Trees.await("the watcher to say it cannot save its state", SYNC,
                    () -> pair.watcher.log().contains("cannot save the local state"), pair.watcher);

            // A read-only view of DEST over it (the store's open journal stays writable, every new write fails).
            assertEquals(0, SourceGuardIT.run("mount", "--bind", pair.dest.toString(), pair.dest.toString()));
            assertEquals(0, SourceGuardIT.run("mount", "-o", "remount,bind,ro", pair.dest.toString()));
            Files.delete(pair.source.resolve("docs/file-1.txt"));
            Files.move(pair.source.resolve("docs/file-2.txt"), pair.source.resolve("docs/renamed.txt"));
            Trees.await("the read-only disk in the watcher's status", SYNC,
                    () -> SourceGuardIT.status(pair.watcher).contains("Read-only file system"), pair.watcher);
            Trees.await("three reconciles", SYNC, () -> lines(pair.watcher, "differs from the source") >= 3, pair.watcher);
            assertTrue(Files.exists(pair.dest.resolve("docs/file-1.txt")), "nothing changed on a read-only disk");
            assertEquals(1, lines(pair.watcher, "WARN", "could not apply docs/renamed.txt"),
                    "a failure that repeats is warned about once\n" + pair.watcher.logTail());
            assertEquals(0, SourceGuardIT.run("umount", pair.dest.toString()));
            pair.awaitMirror();
            Trees.await("the watcher to say the store applies everything again", SYNC,
                    () -> pair.watcher.log().contains("applied everything again"), pair.watcher);
        } finally {
            pair.close();
            SourceGuardIT.run("umount", pair.dest.toString());
            SourceGuardIT.run("umount", pair.stateDir.toString());
        }
    }

    @Test
    void anUnreadableSourceFileIsSkippedAndNamedAndFilesVanishingMidScanAreHarmless(@TempDir Path root) throws Exception {
        Assumptions.assumeTrue(SourceGuardIT.run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "true") == 0,
                "SKIPPED LOUDLY: setpriv cannot switch to nobody; the permission-denied test did not run");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (FerryPair pair = new FerryPair(root, "perm")) {
            Files.createDirectories(pair.stateDir);
            SourceGuardIT.run("chown", "nobody:nogroup", pair.stateDir.toString());
            for (int i = 0; i < 10; i++) {
                Trees.write(pair.source.resolve("open/file-" + i + ".txt"), "readable " + i);
            }
            Path secret = pair.source.resolve("open/secret.txt");
            Trees.write(secret, "only root may read this");
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));
            pair.startStore();
            pair.watcher = FerryProcess.watcherAs(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"),
                    "perm-watcher", pair.source, pair.proxy.url(), pair.env);
            Trees.await("the readable files to arrive", SYNC, () -> Files.exists(pair.dest.resolve("open/file-9.txt"))
                    && Files.exists(pair.dest.resolve("open/file-0.txt")), pair.store, pair.watcher);
            Trees.await("the watcher to name the unreadable file", SYNC,
                    () -> SourceGuardIT.status(pair.watcher).contains("cannot read open/secret.txt"), pair.watcher);
            assertTrue(pair.watcher.log().toLowerCase(java.util.Locale.ROOT).contains("permission denied"),
                    pair.watcher.logTail());
            assertFalse(Files.exists(pair.dest.resolve("open/secret.txt")));

            // Files that appear and vanish again before the watcher can read them.
            for (int i = 0; i < 200; i++) {
                Path f = pair.source.resolve("flicker/f-" + (i % 20) + ".txt");
                Trees.write(f, "here for a moment " + i);
                if (i % 3 != 0) {
                    Files.delete(f);
                }
            }
            Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
            pair.awaitMirror();
        }
    }
}
