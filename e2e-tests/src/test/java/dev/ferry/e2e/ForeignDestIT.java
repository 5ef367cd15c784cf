package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 11 item 1: {@code watcher --once} exits 0 only when DEST equals SOURCE at that moment. A folder reused as
 * DEST (an old copy, other files) is a mirror by the time the one-shot watcher says so, whether or not the periodic
 * auditor happens to pass first: with it on but not due (a long interval, as on a large DEST whose walks are spaced
 * out) and with it off. With the default 2 s interval the auditor often wins the race, which hid the bug.
 */
class ForeignDestIT {

    private static void populateSource(Path source) throws Exception {
        for (int i = 0; i < 12; i++) {
            Trees.writeRandom(source.resolve("docs/part-" + (i % 3) + "/file-" + i + ".bin"), 100 + i, 3_000 + 500L * i);
        }
        Trees.write(source.resolve("shared/name.txt"), "the source's version");
        Trees.write(source.resolve("top.txt"), "top");
    }

    /** An old copy and unrelated files: some where SOURCE has nothing, some inside SOURCE's folders. */
    private static void prefillDest(Path dest) throws Exception {
        Trees.write(dest.resolve("old-notes.txt"), "not in the source");
        Trees.writeRandom(dest.resolve("backup/2019/archive.bin"), 7, 40_000);
        Trees.write(dest.resolve("backup/2019/deeper/readme"), "x");
        Trees.write(dest.resolve("shared/name.txt"), "an older version of the same name");
        Trees.write(dest.resolve("shared/extra.bin"), "a file inside a folder the source has");
        Trees.write(dest.resolve("docs/part-1/stale.bin"), "stale");
        Files.createDirectories(dest.resolve("empty-folder"));
        Files.createSymbolicLink(dest.resolve("link-out"), Path.of("/etc"));
        Path locked = Files.createDirectories(dest.resolve("read-only/inner"));
        Trees.write(locked.resolve("f"), "in a read-only folder");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setPosixFilePermissions(locked.getParent(), PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    private static void onceExitsZeroWithAnExactMirror(Path root, String name, Map<String, String> storeEnv) throws Exception {
        try (FerryPair pair = new FerryPair(root, name)) {
            populateSource(pair.source);
            prefillDest(pair.dest);
            pair.env.putAll(storeEnv);
            pair.startStore();
            int exit = pair.runOnce("1");
            List<String> diffs = Trees.differences(pair.source, pair.dest);
            assertEquals(0, exit, "--once exit code\n" + pair.store.logTail());
            assertEquals(List.of(), diffs, "DEST right after --once exited 0\n" + pair.store.logTail());
            assertTrue(Files.exists(pair.dest.resolve(".ferry")), "the store's state is kept");
        }
    }

    @Test
    void onceExitsZeroOnlyWhenAReusedDestIsAMirror(@TempDir Path root) throws Exception {
        onceExitsZeroWithAnExactMirror(root, "foreign-dest", Map.of("FERRY_STORE_AUDIT_INTERVAL", "1h"));
    }

    @Test
    void aStoreWithTheAuditorOffIsJustAsHonest(@TempDir Path root) throws Exception {
        onceExitsZeroWithAnExactMirror(root, "foreign-dest-noaudit", Map.of("FERRY_STORE_AUDIT", "false"));
    }
}
