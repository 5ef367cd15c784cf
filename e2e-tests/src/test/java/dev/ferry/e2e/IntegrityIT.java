package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The integrity check: POST /api/v1/verify on a running store, {@code DEST --verify [--repair]} on a stopped one. */
class IntegrityIT {

    @Test
    void verifyFindsWhatTheAuditorCannotSeeAndRepairsIt(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "verify")) {
            for (int i = 0; i < 5; i++) {
                Trees.writeRandom(pair.source.resolve("data/file-" + i + ".bin"), 40 + i, 300_000);
            }
            pair.startStore().startWatcher();
            pair.awaitMirror();
            String clean = verify(pair.store, false);
            assertTrue(clean.contains("\"remaining\":0"), clean);

            // Bytes changed in DEST behind an unchanged size and mtime: the mirror looks intact to the auditor.
            Path victim = pair.dest.resolve("data/file-2.bin");
            FileTime mtime = Files.getLastModifiedTime(victim);
            try (RandomAccessFile f = new RandomAccessFile(victim.toFile(), "rw")) {
                f.seek(123_456);
                f.write(new byte[] {0, 1, 2, 3, 4, 5, 6, 7});
            }
            Files.setLastModifiedTime(victim, mtime);
            String found = verify(pair.store, false);
            assertTrue(found.contains("\"damagedEntries\":1") && found.contains("although size and mtime match"), found);
            // Held once, the changed file was the only copy of its chunks: repair marks it damaged and asks the
            // connected watcher to send it again (its periodic rescan is minutes away), so the mirror converges.
            String repaired = verify(pair.store, true);
            assertTrue(repaired.contains("\"damagedEntries\":1") && repaired.contains("data/file-2.bin"), repaired);
            pair.awaitMirror(Duration.ofSeconds(60));
            String after = verify(pair.store, false);
            assertTrue(after.contains("\"remaining\":0"), after);

            // A pack record no mirror file holds (an upload no manifest names yet), rotted while the store is down.
            byte[] upload = new byte[4096];
            new java.util.Random(7).nextBytes(upload);
            String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(upload));
            HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(pair.store.url() + "/api/v1/chunks/" + hash))
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(upload)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(201, put.statusCode(), put.body());
            pair.stopWatcher();
            pair.store.close();
            rotPackRecord(pair.dest.resolve(".ferry/packs"), upload);
            FerryProcess check = cli(pair, "check", "--verify");
            assertEquals(1, check.awaitExit(Duration.ofSeconds(60)), check.logTail());
            assertTrue(check.log().contains("corrupt-chunk") && check.log().contains(hash)
                    && check.log().contains("FAILED"), check.logTail());
            FerryProcess repair = cli(pair, "repair", "--verify", "--repair");
            assertEquals(0, repair.awaitExit(Duration.ofSeconds(60)), repair.logTail());
            assertTrue(repair.log().contains(hash) && repair.log().contains("deleted"), repair.logTail());
            FerryProcess again = cli(pair, "again", "--verify");
            assertEquals(0, again.awaitExit(Duration.ofSeconds(60)), again.logTail());
            assertTrue(again.log().contains("OK: the store is consistent"), again.logTail());

            pair.store = FerryProcess.store("verify-store-2", pair.dest, pair.env);
            FerryProcess busy = cli(pair, "busy", "--verify");
            assertNotEquals(0, busy.awaitExit(Duration.ofSeconds(60)));
            assertTrue(busy.log().contains("another store process") && busy.log().contains("/api/v1/verify"), busy.logTail());
            // The rotten record is never served: the running store does not claim the chunk.
            HttpResponse<Void> head = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(pair.store.url() + "/api/v1/chunks/" + hash))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(404, head.statusCode());
        }
    }

    /** Flips a byte inside the data of the pack record holding {@code chunk} (found by its bytes). */
    private static void rotPackRecord(Path packs, byte[] chunk) throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.walk(packs)) {
            files = s.filter(p -> p.toString().endsWith(".pack")).toList();
        }
        for (Path p : files) {
            byte[] all = Files.readAllBytes(p);
            for (int i = 0; i + chunk.length <= all.length; i++) {
                if (java.util.Arrays.equals(all, i, i + chunk.length, chunk, 0, chunk.length)) {
                    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                        f.seek(i + 100);
                        f.write(all[i + 100] ^ 0x5a);
                    }
                    return;
                }
            }
        }
        throw new AssertionError("no pack under " + packs + " holds the uploaded chunk: " + files);
    }

    private static FerryProcess cli(FerryPair pair, String name, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of(pair.dest.toString()));
        all.addAll(List.of(args));
        return FerryProcess.start("verify-cli-" + name, FerryProcess.storeJar(), all, FerryProcess.freePort(), pair.env);
    }

    static String verify(FerryProcess store, boolean repair) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(store.url() + "/api/v1/verify" + (repair ? "?repair=true" : "")))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return r.body();
    }
}
