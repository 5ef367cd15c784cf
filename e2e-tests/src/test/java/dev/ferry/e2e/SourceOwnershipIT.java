package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One store, two sources with their own real watcher processes: the store belongs to the first; the second is refused
 * (a clear message on its side, {@code --once} exits non-zero at once) and DEST keeps mirroring the first. Only
 * {@code --take-over}, while the first watcher is stopped, moves the store to the second source.
 */
class SourceOwnershipIT {
    private static final Duration SYNC = Duration.ofSeconds(60);
    /** Far below ferry.watcher.once-timeout (10 min): a refusal is final for --once. */
    private static final Duration REFUSED_WITHIN = Duration.ofSeconds(45);

    @Test
    void aSecondSourceIsRefusedAndCannotReplaceTheMirror(@TempDir Path root) throws Exception {
        Path first = Files.createDirectories(root.resolve("first"));
        Path second = Files.createDirectories(root.resolve("second"));
        Path dest = root.resolve("dest");
        for (int i = 0; i < 10; i++) {
            Trees.write(first.resolve("a/first-" + i + ".txt"), "first source " + i);
        }
        Trees.write(second.resolve("b/other.txt"), "the second source: mirroring it would delete the first");
        Map<String, String> firstEnv = Map.of("FERRY_WATCHER_STATE_DIR", root.resolve("state-first").toString());
        Map<String, String> secondEnv = Map.of("FERRY_WATCHER_STATE_DIR", root.resolve("state-second").toString());

        try (FerryProcess store = FerryProcess.store("owner-store", dest, Map.of())) {
            try (FerryProcess a = FerryProcess.watcher("owner-first", first, store.url(), firstEnv)) {
                Trees.awaitMirror(first, dest, SYNC, store, a);
                String firstId = Files.readString(root.resolve("state-first/source-id")).trim();
                assertTrue(store.log().contains("now belongs to source " + firstId), store.logTail());

                long started = System.nanoTime();
                try (FerryProcess b = FerryProcess.watcher("owner-second-once", second, store.url(), secondEnv, "--once")) {
                    int code = b.awaitExit(REFUSED_WITHIN);
                    assertTrue(code != 0, "the second source's --once exited 0\n" + b.logTail());
                    String log = b.log();
                    assertTrue(log.contains("ERROR") && log.contains("the store refused this source")
                            && log.contains(firstId) && log.contains("--take-over"), b.logTail());
                }
                assertTrue(System.nanoTime() - started < REFUSED_WITHIN.toNanos());
                assertEquals(List.of(), Trees.differences(first, dest), "DEST stopped mirroring the first source");

                // A continuous second watcher is refused too, and the first one keeps syncing meanwhile.
                try (FerryProcess b = FerryProcess.watcher("owner-second", second, store.url(), secondEnv)) {
                    Trees.await("the second watcher to be refused", SYNC,
                            () -> b.log().contains("the store refused this source"), b, store);
                    Trees.write(first.resolve("a/later.txt"), "written while the second watcher knocks");
                    Trees.awaitMirror(first, dest, SYNC, store, a, b);
                    assertTrue(b.isAlive(), "a continuous watcher keeps running (and asking) after a refusal");
                    assertEquals(1, count(b.log(), "the store refused this source"), "one ERROR, not one per attempt\n"
                            + b.logTail());
                }

                // --take-over while the owner is connected: refused, nothing changes.
                try (FerryProcess b = FerryProcess.watcher("owner-second-early", second, store.url(), secondEnv,
                        "--once", "--take-over")) {
                    assertTrue(b.awaitExit(REFUSED_WITHIN) != 0, b.logTail());
                    assertTrue(b.log().contains("is connected now"), b.logTail());
                }
                assertEquals(List.of(), Trees.differences(first, dest));
            }

            // The operator stops the first watcher and takes the store over explicitly.
            try (FerryProcess b = FerryProcess.watcher("owner-second-take", second, store.url(), secondEnv,
                    "--once", "--take-over")) {
                assertEquals(0, b.awaitExit(SYNC), b.logTail());
            }
            assertEquals(List.of(), Trees.differences(second, dest));
            assertTrue(store.log().contains("TAKE-OVER"), store.logTail());
            try (FerryProcess a = FerryProcess.watcher("owner-first-again", first, store.url(), firstEnv, "--once")) {
                assertTrue(a.awaitExit(REFUSED_WITHIN) != 0, "the old owner is a stranger now\n" + a.logTail());
            }
            assertEquals(List.of(), Trees.differences(second, dest));
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
