package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Retention with the pruner and the GC running on short settings: versions past the maximum age, and the oldest
 * versions past the budget, disappear from the versions API and from {@code .ferry/versions/}; the newest stay,
 * restorable byte-exact after GC runs; the mirror is untouched. The store is restarted between the steps (in the age
 * test not after the last one: the GC's first run is a minute after the store starts, and the check waits for it).
 */
class VersionRetentionIT {
    /**
     * Long enough that the GC, whose first run is a minute after the store starts, has run twice while the newer
     * version is still young: old versions at 0 s, the store restarted, a newer version at 30 s, GC runs from about
     * 65 s, the newer version due at 80 s.
     */
    private static final Duration MAX_AGE = Duration.ofSeconds(50);
    /** When, after the old versions, the newer one is made. */
    private static final Duration NEWER_AFTER = Duration.ofSeconds(30);

    private static FerryPair pair(Path root, String name) throws IOException {
        FerryPair pair = new FerryPair(root, name);
        pair.env.put("FERRY_STORE_VERSIONS_PRUNE_INTERVAL", "1s");
        pair.env.put("FERRY_STORE_GC_INTERVAL", "1s");
        pair.env.put("FERRY_STORE_GC_GRACE", "1s");
        pair.env.put("FERRY_WATCHER_RETRY_MAX_DELAY", "500ms");
        return pair;
    }

    private static JsonNode versions(StoreApi api, String path) {
        return api.json("/api/v1/versions?path=" + StoreApi.enc(path));
    }

    /** Whether the path has no kept version any more (404 when nothing is there either). */
    private static boolean noVersions(StoreApi api, String path) {
        HttpResponse<String> r = api.get("/api/v1/versions?path=" + StoreApi.enc(path));
        if (r.statusCode() == 404) {
            return true;
        }
        return r.statusCode() == 200 && StoreApi.parse(r.body()).path("versions").isEmpty();
    }

    /** Whether some file under DEST/.ferry/versions/ holds exactly {@code content}. */
    private static boolean keptInVersions(Path dest, byte[] content) {
        Path versions = dest.resolve(".ferry/versions");
        if (Files.notExists(versions)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(versions)) {
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.size(f) == content.length && Arrays.equals(Files.readAllBytes(f), content);
                } catch (IOException e) {
                    return false; // pruned while walking
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return keptInVersions(dest, content); // a folder pruned while walking: look again
        }
    }

    private static byte[] fileAt(StoreApi api, String path, Instant at) {
        HttpResponse<byte[]> r = api.getBytes("/api/v1/versions/file?path=" + StoreApi.enc(path) + "&at=" + at);
        assertEquals(200, r.statusCode(), "GET versions/file " + path + " at " + at + ": " + new String(r.body()));
        return r.body();
    }

    private static Instant settledMoment() {
        FerryProcess.sleep(30);
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        FerryProcess.sleep(30);
        return t;
    }

    /**
     * Waits for GC runs to finish after now, so what stays has stayed through a collection (the first run is a minute
     * after the store starts).
     */
    private static void awaitGcRuns(FerryPair pair, int runs, Duration timeout) {
        StoreApi api = new StoreApi(pair.store);
        double base = api.metric("ferry_store_gc_runs_total");
        Trees.await(runs + " GC runs", timeout, () -> api.metric("ferry_store_gc_runs_total") >= base + runs, pair.store);
    }

    @Test
    void versionsOlderThanTheMaximumAgeArePrunedAndTheNewestStay(@TempDir Path root) throws Exception {
        long started = System.nanoTime();
        try (FerryPair pair = pair(root, "retention-age")) {
            pair.env.put("FERRY_STORE_VERSIONS_MAX_AGE", MAX_AGE.toSeconds() + "s");
            byte[] a0 = Trees.random(1, 30_000);
            byte[] b0 = Trees.random(2, 31_000);
            byte[] c0 = Trees.random(3, 32_000);
            Files.createDirectories(pair.source.resolve("old"));
            Files.createDirectories(pair.source.resolve("new"));
            Files.write(pair.source.resolve("old/a.bin"), a0);
            Files.write(pair.source.resolve("old/b.bin"), b0);
            pair.startStore().startWatcher();
            pair.awaitMirror();

            // Step 1: two old versions, one replaced, one deleted.
            Files.write(pair.source.resolve("old/a.bin"), Trees.random(11, 30_500));
            Files.delete(pair.source.resolve("old/b.bin"));
            pair.awaitMirror();
            Instant oldKept = Instant.now();
            StoreApi api = new StoreApi(pair.store);
            assertEquals(1, versions(api, "old/a.bin").path("versions").size());
            assertEquals("deleted", versions(api, "old/b.bin").path("versions").path(0).path("reason").asText());
            assertTrue(keptInVersions(pair.dest, a0) && keptInVersions(pair.dest, b0),
                    "the replaced and the deleted file are kept under .ferry/versions/");
            pair.restartStore();

            // Step 2: later, a new file and a version of it. The store is not restarted after this: the GC's first
            // run is a minute after the store starts.
            Trees.await("the time to make a newer version", MAX_AGE,
                    () -> Instant.now().isAfter(oldKept.plus(NEWER_AFTER)));
            Files.write(pair.source.resolve("new/c.bin"), c0);
            pair.awaitMirror();
            Instant cHeld = settledMoment();
            Files.write(pair.source.resolve("new/c.bin"), Trees.random(13, 32_500));
            pair.awaitMirror();
            JsonNode c = versions(new StoreApi(pair.store), "new/c.bin").path("versions").path(0);
            Instant cTo = Instant.parse(c.path("to").asText());

            // Step 3: the old versions go once past the maximum age; the newer one stays through GC runs.
            StoreApi restarted = new StoreApi(pair.store);
            Trees.await("the old versions to be pruned", MAX_AGE.plusSeconds(30),
                    () -> noVersions(restarted, "old/a.bin") && noVersions(restarted, "old/b.bin"), pair.store);
            Instant prunedAt = Instant.now();
            assertTrue(prunedAt.isAfter(oldKept.plus(MAX_AGE).minusSeconds(3)), "pruned at " + prunedAt
                    + ", before the maximum age (" + MAX_AGE + " after " + oldKept + ")");
            assertEquals(404, restarted.get("/api/v1/versions?path=" + StoreApi.enc("old/b.bin")).statusCode(),
                    "a deleted file whose versions are gone is not found");
            Trees.await("their bytes to leave .ferry/versions/", Duration.ofSeconds(10),
                    () -> !keptInVersions(pair.dest, a0) && !keptInVersions(pair.dest, b0), pair.store);
            awaitGcRuns(pair, 2, Duration.ofSeconds(90));
            assertTrue(Instant.now().isBefore(cTo.plus(MAX_AGE)), "the check ran while the newer version was young");
            assertEquals(1, versions(restarted, "new/c.bin").path("versions").size(), "the newer version stays");
            assertTrue(keptInVersions(pair.dest, c0), "its bytes stay under .ferry/versions/");
            assertArrayEquals(c0, fileAt(restarted, "new/c.bin", cHeld), "the kept version restores byte-exact after GC runs");
            JsonNode counters = restarted.status().path("versions");
            assertTrue(counters.path("pruned").asLong() >= 2, "status counts the pruned versions: " + counters);
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest), "the mirror is untouched");
        }
        System.out.printf("[e2e] VersionRetentionIT age: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void theOldestVersionsGiveWayToTheBudget(@TempDir Path root) throws Exception {
        long started = System.nanoTime();
        try (FerryPair pair = pair(root, "retention-budget")) {
            // 1M is 1,000,000 or 1,048,576 bytes: three kept versions of 400,000 are over it, two are under.
            pair.env.put("FERRY_STORE_VERSIONS_BUDGET", "1M");
            byte[][] files = new byte[3][];
            for (int i = 0; i < files.length; i++) {
                files[i] = Trees.random(20 + i, 400_000);
                Files.createDirectories(pair.source.resolve("budget"));
                Files.write(pair.source.resolve("budget/f" + i + ".bin"), files[i]);
            }
            Trees.write(pair.source.resolve("stays.txt"), "the mirror keeps this");
            pair.startStore().startWatcher();
            pair.awaitMirror();
            pair.restartStore();

            Instant[] held = new Instant[3];
            for (int i = 0; i < files.length; i++) {
                held[i] = settledMoment();
                Files.delete(pair.source.resolve("budget/f" + i + ".bin"));
                pair.awaitMirror();
            }
            pair.restartStore();

            StoreApi api = new StoreApi(pair.store);
            Trees.await("the oldest version to give way to the budget", Duration.ofSeconds(30),
                    () -> noVersions(api, "budget/f0.bin"), pair.store);
            Trees.await("its bytes to leave .ferry/versions/", Duration.ofSeconds(10),
                    () -> !keptInVersions(pair.dest, files[0]), pair.store);
            pair.restartStore();

            StoreApi restarted = new StoreApi(pair.store);
            for (int i = 1; i < files.length; i++) {
                String path = "budget/f" + i + ".bin";
                assertEquals("deleted", versions(restarted, path).path("versions").path(0).path("reason").asText(),
                        "the newer versions stay: " + path);
                assertTrue(keptInVersions(pair.dest, files[i]), path + " stays under .ferry/versions/");
                assertArrayEquals(files[i], fileAt(restarted, path, held[i]), path + " restores byte-exact");
            }
            JsonNode counters = restarted.status().path("versions");
            // The two newer files are what is kept of the files (the folder's own mtime versions hold no bytes).
            assertEquals(2L * 400_000, counters.path("bytes").asLong(), counters.toString());
            assertTrue(counters.path("bytes").asLong() <= counters.path("budgetBytes").asLong(), counters.toString());
            assertTrue(counters.path("budgetBytes").asLong() == 1_000_000 || counters.path("budgetBytes").asLong() == 1 << 20,
                    counters.toString());
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest), "the mirror is untouched");
        }
        System.out.printf("[e2e] VersionRetentionIT budget: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }
}
