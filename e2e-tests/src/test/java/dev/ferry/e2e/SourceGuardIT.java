package dev.ferry.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vanished or emptied source root (an unmounted disk) is not mirrored as a mass delete: the watcher refuses,
 * says why in its log and /status, and syncs again when the root is back or the user allows an empty source.
 */
class SourceGuardIT {
    private static final Duration HOLD = Duration.ofSeconds(2);

    private static void populate(Path source) throws Exception {
        for (int i = 0; i < 20; i++) {
            Trees.write(source.resolve("dir-" + (i % 4) + "/file-" + i + ".txt"), "guarded content " + i);
        }
    }

    private static int files(Path dest) {
        return (int) Trees.snapshot(dest).values().stream().filter(e -> e.type().equals("file")).count();
    }

    static String status(FerryProcess watcher) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + watcher.httpPort + "/status")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (Exception e) {
            return "";
        }
    }

    /** The watcher refuses (log and /status), and DEST keeps all 20 files while it does. */
    private static void assertRefused(FerryPair pair, String why) {
        Trees.await("the watcher to refuse: " + why, Duration.ofSeconds(30),
                () -> status(pair.watcher).contains("not mirroring that as a mass delete"), pair.watcher);
        long until = System.nanoTime() + HOLD.toNanos();
        while (System.nanoTime() < until) {
            assertEquals(20, files(pair.dest), why + ": DEST must keep its files\n" + pair.watcher.logTail());
            FerryProcess.sleep(100);
        }
        assertTrue(pair.watcher.log().contains("not mirroring that as a mass delete"), pair.watcher.logTail());
    }

    @Test
    void rootRemovedOrEmptiedWhileRunningIsRefusedUntilItIsBack(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "guard-live")) {
            populate(pair.source);
            pair.startStore().startWatcher();
            pair.awaitMirror();

            Trees.deleteTree(pair.source);
            assertRefused(pair, "root removed");
            populate(pair.source);
            pair.awaitMirror();
            assertTrue(pair.watcher.log().contains("the source folder is back"), pair.watcher.logTail());

            try (var children = Files.list(pair.source)) {
                for (Path p : children.toList()) {
                    Trees.deleteTree(p);
                }
            }
            assertRefused(pair, "root emptied");
            populate(pair.source);
            pair.awaitMirror();
        }
    }

    @Test
    void anUnmountedDiskIsNotMirroredAsAMassDelete(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "guard-umount")) {
            Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", pair.source.toString()) == 0,
                    "SKIPPED LOUDLY: cannot mount a tmpfs here (needs root and mount(8)); the unmounted-disk guard is untested");
            try {
                populate(pair.source);
                pair.startStore().startWatcher();
                pair.awaitMirror();
                assertEquals(0, run("umount", pair.source.toString()), "umount");
                assertRefused(pair, "disk unmounted: its mount point is an empty folder");
                assertEquals(0, run("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", pair.source.toString()), "mount");
                populate(pair.source);
                pair.awaitMirror();
            } finally {
                pair.close();
                run("umount", pair.source.toString());
            }
        }
    }

    @Test
    void onceOnAnEmptySourceRefusesUnlessAllowed(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "guard-once")) {
            populate(pair.source);
            pair.startStore();
            assertEquals(0, pair.runOnce("fill"));
            Trees.deleteTree(pair.source);
            Files.createDirectories(pair.source);
            assertEquals(1, pair.runOnce("empty"), "an emptied source is refused");
            assertEquals(20, files(pair.dest));
            // The local state is lost, not the source's identity (state-dir/source-id): the store still knows it.
            try (var children = Files.list(pair.stateDir)) {
                for (Path p : children.toList()) {
                    if (!p.getFileName().toString().equals("source-id")) {
                        Trees.deleteTree(p);
                    }
                }
            }
            assertEquals(1, pair.runOnce("empty-fresh-state"), "also without the local state");
            assertEquals(20, files(pair.dest));
            pair.env.put("FERRY_WATCHER_ALLOW_EMPTY_SOURCE", "true");
            assertEquals(0, pair.runOnce("allowed"), "the user allowed it");
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));
        }
    }

    static int run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            int code = p.waitFor();
            if (code != 0) {
                System.out.println("[guard] " + String.join(" ", command) + " exited " + code + ": " + out);
            }
            return code;
        } catch (Exception e) {
            System.out.println("[guard] " + String.join(" ", command) + ": " + e);
            return -1;
        }
    }
}
