package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Version history end to end, with a real store and watcher: every overwrite of a file kept and restored byte-exact
 * by {@code ferry-watcher restore}, a deleted folder brought back in one command with nothing uploaded, and a tree
 * rebuilt as it stood between two bursts of changes. The store is restarted between the steps (same DEST), so what is
 * shown is also what survives a restart.
 *
 * <p>The staggered policy keeps one version per 30 s within the first hour, and the pruner first runs 10 s after the
 * store starts; this class overwrites a file five times within seconds, so pruning is off here
 * ({@code FERRY_STORE_VERSIONS_PRUNE_INTERVAL=off}): this class is about what is kept and restored,
 * {@link VersionRetentionIT} about what is pruned.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VersionHistoryIT {
    /** Files of the deleted folder: 2,000 keeps the class lean on CI; -Dversions.folder.files=10000 for the figure. */
    private static final int FOLDER_FILES = Integer.getInteger("versions.folder.files", 2_000);

    @TempDir
    static Path root;
    static FerryPair pair;

    @BeforeAll
    static void start() throws Exception {
        pair = new FerryPair(root, "versions");
        pair.env.put("FERRY_STORE_VERSIONS_PRUNE_INTERVAL", "off");
        pair.env.put("FERRY_WATCHER_RETRY_MAX_DELAY", "500ms");
        // Deleting the folder deletes nearly the whole tree: the mass-delete brake (DeleteBrakeIT) would hold it.
        pair.env.put("FERRY_WATCHER_MAX_DELETE", "off");
        pair.startStore().startWatcher();
        pair.awaitMirror();
    }

    @AfterAll
    static void stop() throws Exception {
        pair.close();
    }

    /** A moment strictly inside the interval in which the mirror holds what the watcher just synced. */
    private static Instant settledMoment() {
        FerryProcess.sleep(30);
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        FerryProcess.sleep(30);
        return t;
    }

    private static WatcherCli.Result cli(String name, String... args) throws InterruptedException {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--store";
        all[args.length + 1] = pair.store.url();
        all[args.length + 2] = "--source";
        all[args.length + 3] = pair.source.toString();
        return WatcherCli.run(name, pair.env, all);
    }

    private static void assertSucceeded(WatcherCli.Result r) {
        assertEquals(0, r.exit(), "exit code; output:\n" + r.output());
    }

    @Test
    @Order(1)
    void eachOfFiveOverwritesIsListedAndRestoredByteExact() throws Exception {
        long started = System.nanoTime();
        Path file = pair.source.resolve("history/report.bin");
        Files.createDirectories(file.getParent());
        byte[][] contents = new byte[6][];
        Instant[] held = new Instant[6];
        for (int i = 0; i < contents.length; i++) {
            contents[i] = Trees.random(100 + i, 60_000 + 1_000 * i); // each version its own size
            Files.write(file, contents[i]);
            pair.awaitMirror();
            held[i] = settledMoment();
            if (i == 2 || i == 5) { // mid-series, and before the listing
                pair.restartStore();
            }
        }

        JsonNode listed = new StoreApi(pair.store).json("/api/v1/versions?path=" + StoreApi.enc("history/report.bin"));
        assertEquals(contents[5].length, listed.path("current").path("size").asLong(), listed.toString());
        JsonNode versions = listed.path("versions");
        assertEquals(5, versions.size(), "five overwrites keep five versions: " + listed);
        for (int k = 0; k < 5; k++) {
            JsonNode v = versions.get(k);
            int i = 4 - k; // newest first
            assertEquals(contents[i].length, v.path("size").asLong(), "version " + k + ": " + v);
            assertEquals("modified", v.path("reason").asText(), v.toString());
            assertEquals("file", v.path("type").asText(), v.toString());
            Instant from = Instant.parse(v.path("from").asText());
            Instant to = Instant.parse(v.path("to").asText());
            assertTrue(!from.isAfter(held[i]) && to.isAfter(held[i]),
                    "version " + i + " was in DEST at " + held[i] + ": " + v);
        }

        // The user's way: list the versions, then restore each with the --at its line names.
        WatcherCli.Result list = cli("versions-list", "versions", file.toString());
        assertSucceeded(list);
        Map<Long, String> atBySize = new HashMap<>();
        for (String line : list.output().lines().filter(l -> l.contains("(modified)")).toList()) {
            Matcher size = Pattern.compile("\\((\\d+) bytes\\)").matcher(line);
            Matcher at = Pattern.compile("--at (\\S+)").matcher(line);
            assertTrue(size.find() && at.find(), "a version line names its size and its --at: " + line);
            atBySize.put(Long.parseLong(size.group(1)), at.group(1));
        }
        assertEquals(5, atBySize.size(), "one line per kept version:\n" + list.output());
        pair.restartStore();

        for (int i = 0; i < 5; i++) {
            String at = atBySize.get((long) contents[i].length);
            assertTrue(at != null, "version " + i + " listed:\n" + list.output());
            Path to = root.resolve("restored/report-" + i + ".bin");
            WatcherCli.Result r = cli("versions-restore-" + i, "restore", file.toString(), "--at", at, "--to", to.toString());
            assertSucceeded(r);
            assertArrayEquals(contents[i], Files.readAllBytes(to), "version " + i + " restored byte-exact:\n" + r.output());
        }
        // Any moment inside a version's interval selects it, not only the listed one.
        Path middle = root.resolve("restored/report-middle.bin");
        assertSucceeded(cli("versions-restore-middle", "restore", file.toString(), "--at", held[2].toString(),
                "--to", middle.toString()));
        assertArrayEquals(contents[2], Files.readAllBytes(middle), "the version held at " + held[2]);
        Path undo = root.resolve("restored/report-undo.bin");
        WatcherCli.Result r = cli("versions-restore-undo", "restore", file.toString(), "--to", undo.toString());
        assertSucceeded(r);
        assertArrayEquals(contents[4], Files.readAllBytes(undo), "no --at: the newest kept version\n" + r.output());
        assertArrayEquals(contents[5], Files.readAllBytes(file), "a restore --to leaves SOURCE's file alone");
        pair.awaitMirror();
        System.out.printf("[e2e] VersionHistoryIT five overwrites: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    @Order(2)
    void aDeletedFolderComesBackInOneCommandWithNothingUploaded() throws Exception {
        long started = System.nanoTime();
        Path dir = pair.source.resolve("project");
        for (int i = 0; i < FOLDER_FILES; i++) {
            Path f = dir.resolve("d" + (i % 40) + "/file-" + i + ".txt");
            Trees.write(f, "file " + i + " " + Long.toHexString(i * 0x9E3779B97F4A7C15L) + "\n".repeat(i % 300));
            Trees.setMtime(f, 1_700_000_000L + i);
        }
        Files.setPosixFilePermissions(dir.resolve("d1/file-1.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir.resolve("d2/file-2.txt"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Trees.writeRandom(dir.resolve("d3/large.bin"), 33, 3_000_000);
        pair.awaitMirror(Duration.ofSeconds(120));
        TreeState before = TreeState.capture(dir);
        pair.restartStore();

        Instant whileThere = settledMoment();
        Trees.deleteTree(dir);
        pair.awaitMirror();
        assertTrue(Files.notExists(pair.dest.resolve("project")), "the delete reached DEST");
        pair.restartStore();
        StoreApi api = new StoreApi(pair.store);
        Trees.await("the watcher to be idle", Duration.ofSeconds(60),
                () -> SourceGuardIT.status(pair.watcher).contains("\"state\":\"idle\""), pair.watcher, pair.store);
        long uploadedBefore = StoreApi.parse(SourceGuardIT.status(pair.watcher)).path("chunksUploaded").asLong();

        WatcherCli.Result r = cli("versions-restore-folder", "restore", "--tree", dir.toString(),
                "--at", whileThere.toString(), "--to", dir.toString());
        assertSucceeded(r);
        long fileBytes = before.entries().values().stream().mapToLong(Trees.Entry::size).sum();
        assertTrue(r.lastLine().contains((before.size() + 1) + " entries") && r.lastLine().contains(fileBytes + " bytes written"),
                "the closing line reports the entries and bytes: " + r.lastLine());
        System.out.printf("[e2e] restore --tree of a deleted folder of %,d files: %s (command %d ms)%n",
                FOLDER_FILES + 1, r.lastLine(), r.took().toMillis());
        assertEquals(List.of(), before.differences(dir), "the folder restored byte-exact");
        pair.awaitMirror(Duration.ofSeconds(120));
        Trees.await("the watcher to be idle", Duration.ofSeconds(60),
                () -> SourceGuardIT.status(pair.watcher).contains("\"state\":\"idle\""), pair.watcher, pair.store);
        JsonNode status = api.status();
        assertEquals(0, status.path("chunksReceived").asLong(), "the store held every chunk: " + status);
        long uploadedAfter = StoreApi.parse(SourceGuardIT.status(pair.watcher)).path("chunksUploaded").asLong();
        assertEquals(uploadedBefore, uploadedAfter, "the watcher uploaded no chunk to sync the restored folder");
        System.out.printf("[e2e] VersionHistoryIT deleted folder: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    @Order(3)
    void aTreeRestoredAsOfAMomentBetweenTwoBurstsIsTheTreeAfterTheFirst() throws Exception {
        long started = System.nanoTime();
        Path dir = pair.source.resolve("moment");
        // Burst 1: files, folders (one empty), links to a file and to a folder, modes, mtimes.
        Trees.write(dir.resolve("notes.txt"), "first burst notes\n");
        Trees.write(dir.resolve("bin/run.sh"), "#!/bin/sh\necho run\n");
        Files.setPosixFilePermissions(dir.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Trees.write(dir.resolve("secret/key"), "k3y");
        Files.setPosixFilePermissions(dir.resolve("secret/key"), PosixFilePermissions.fromString("rw-------"));
        Trees.write(dir.resolve("nested/deep/x.txt"), "deep");
        Trees.writeRandom(dir.resolve("data.bin"), 44, 400_000);
        Files.createDirectories(dir.resolve("empty"));
        Files.createSymbolicLink(dir.resolve("link-to-notes"), Path.of("notes.txt"));
        Files.createSymbolicLink(dir.resolve("link-to-bin"), Path.of("bin"));
        Trees.setMtime(dir.resolve("notes.txt"), 1_600_000_000L);
        Trees.setMtime(dir.resolve("data.bin"), 1_600_000_100L);
        Trees.setMtime(dir.resolve("nested/deep"), 1_600_000_200L);
        pair.awaitMirror();
        TreeState afterFirst = TreeState.capture(dir);
        pair.restartStore();
        Instant between = settledMoment();

        // Burst 2: content changes, deletes (a file, a folder), a link retargeted, a file turned into a folder, additions.
        Trees.write(dir.resolve("notes.txt"), "second burst rewrote the notes\n");
        Files.delete(dir.resolve("secret/key"));
        Trees.deleteTree(dir.resolve("nested"));
        Files.delete(dir.resolve("link-to-notes"));
        Files.createSymbolicLink(dir.resolve("link-to-notes"), Path.of("bin/run.sh"));
        Files.delete(dir.resolve("data.bin"));
        Trees.write(dir.resolve("data.bin/now-a-folder.txt"), "was a file");
        Trees.write(dir.resolve("added.txt"), "new in burst 2");
        Trees.write(dir.resolve("empty/not-any-more.txt"), "x");
        pair.awaitMirror();
        pair.restartStore();

        Path target = root.resolve("moment-restored");
        WatcherCli.Result r = cli("versions-restore-moment", "restore", "--tree", dir.toString(),
                "--at", between.toString(), "--to", target.toString());
        assertSucceeded(r);
        System.out.printf("[e2e] restore --tree as of a moment: %s%n", r.lastLine());
        // Burst 2 added or removed entries in "secret" and "empty": their old mtimes come back too.
        assertEquals(List.of(), afterFirst.differences(target), "the tree as it stood between the bursts");
        assertEquals("second burst rewrote the notes\n", Files.readString(dir.resolve("notes.txt")),
                "a restore to another TARGET leaves SOURCE alone");
        pair.awaitMirror();
        System.out.printf("[e2e] VersionHistoryIT moment: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }
}
