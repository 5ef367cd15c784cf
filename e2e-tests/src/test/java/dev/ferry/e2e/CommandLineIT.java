package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands as a user types them: one-shot sync, bad arguments, tokens, a non-UTF-8 locale. */
class CommandLineIT {

    @Test
    void onceSyncsAndExitsZero(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "once")) {
            Trees.write(pair.source.resolve("a/b.txt"), "one shot");
            Files.createDirectories(pair.source.resolve("empty"));
            pair.startStore();
            assertEquals(0, pair.runOnce("first"));
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));
        }
    }

    @Test
    void missingSourceIsRefusedNamingThePath(@TempDir Path root) throws Exception {
        Path missing = root.resolve("does-not-exist");
        try (FerryProcess w = FerryProcess.watcher("missing-source", missing, "http://127.0.0.1:9", Map.of())) {
            assertNotEquals(0, w.awaitExit(Duration.ofSeconds(30)));
            assertTrue(w.log().contains(missing.toString()), w.logTail());
        }
        Path file = Files.writeString(root.resolve("a-file"), "x");
        try (FerryProcess w = FerryProcess.watcher("file-source", file, "http://127.0.0.1:9", Map.of())) {
            assertNotEquals(0, w.awaitExit(Duration.ofSeconds(30)));
            assertTrue(w.log().contains(file.toString()), w.logTail());
        }
    }

    @Test
    void tokenIsRequiredWhenTheStoreHasOne(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "token")) {
            Trees.write(pair.source.resolve("guarded.txt"), "needs a token");
            pair.env.put("FERRY_TOKEN", "s3cret-token");
            pair.startStore();
            pair.env.put("FERRY_TOKEN", "wrong-token");
            try (FerryProcess intruder = FerryProcess.watcher("token-wrong", pair.source, pair.proxy.url(), pair.env)) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!(intruder.log().contains("401") || intruder.log().toLowerCase().contains("unauthorized"))
                        && System.nanoTime() < deadline) {
                    FerryProcess.sleep(200);
                }
                assertTrue(intruder.log().contains("401") || intruder.log().toLowerCase().contains("unauthorized"),
                        intruder.logTail());
                assertTrue(Files.notExists(pair.dest.resolve("guarded.txt")), "a wrong token must not sync");
            }
            pair.env.put("FERRY_TOKEN", "s3cret-token");
            assertEquals(0, pair.runOnce("token"));
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));
        }
    }

    @Test
    void storeRefusesANetworkAddressWithoutAToken(@TempDir Path root) throws Exception {
        Map<String, String> env = Map.of("QUARKUS_HTTP_HOST", "0.0.0.0");
        try (FerryProcess store = FerryProcess.storeOnPort("open-no-token", root.resolve("dest"), FerryProcess.freePort(), env)) {
            assertNotEquals(0, store.awaitExit(Duration.ofSeconds(60)));
            String log = store.log();
            assertTrue(log.contains("refusing to listen on 0.0.0.0") && log.contains("FERRY_TOKEN")
                    && log.contains("QUARKUS_HTTP_HOST"), store.logTail());
            assertTrue(!log.contains("Listening on"), "it must not have listened:\n" + store.logTail());
        }
    }

    @Test
    void specialNamesSurviveANonUtf8Locale(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "lang-c")) {
            pair.env.put("LANG", "C");
            pair.env.put("LC_ALL", "C");
            Trees.write(pair.source.resolve("caf\u00e9/na\u00efve \u65e5\u672c\u8a9e.txt"), "unicode under LANG=C");
            Trees.write(pair.source.resolve("-dash and space"), "x");
            Files.createSymbolicLink(pair.source.resolve("lien \u00e9"), Path.of("caf\u00e9/na\u00efve \u65e5\u672c\u8a9e.txt"));
            pair.startStore().startWatcher();
            pair.awaitMirror();
            Trees.write(pair.source.resolve("caf\u00e9/\u00e9t\u00e9 live.txt"), "created while running");
            Files.move(pair.source.resolve("caf\u00e9"), pair.source.resolve("caf\u00e9-renamed \ud83d\ude00"));
            pair.awaitMirror();
        }
    }
}
