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
        String refused = "refused: the store rejected the token (FERRY_TOKEN)";
        try (FerryPair pair = new FerryPair(root, "token")) {
            Trees.write(pair.source.resolve("guarded.txt"), "needs a token");
            pair.env.put("FERRY_TOKEN", "s3cret-token");
            pair.startStore();
            pair.env.put("FERRY_TOKEN", "wrong-token");
            try (FerryProcess intruder = FerryProcess.watcher("token-wrong", pair.source, pair.proxy.url(), pair.env)) {
                Trees.await("the watcher says the store refused its token", Duration.ofSeconds(60),
                        () -> intruder.log().contains(refused), intruder);
                assertTrue(intruder.isAlive(), "the continuous watcher keeps retrying:\n" + intruder.logTail());
                String status = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(intruder.url() + "/status")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
                assertTrue(status.contains(refused), "/status says why: " + status);
                assertTrue(!intruder.log().contains("unreachable"), "a 401 is not an outage:\n" + intruder.logTail());
                assertTrue(Files.notExists(pair.dest.resolve("guarded.txt")), "a wrong token must not sync");
            }
            // --once with its default 10-minute timeout: a refusal is final, so it ends at once.
            long started = System.nanoTime();
            try (FerryProcess once = FerryProcess.watcher("token-wrong-once", pair.source, pair.proxy.url(), pair.env, "--once")) {
                assertNotEquals(0, once.awaitExit(Duration.ofSeconds(90)));
                assertTrue(once.log().contains(refused) && !once.log().contains("unreachable"), once.logTail());
                assertTrue(!once.log().contains("goes in clear"), "a loopback store gets no clear-text warning");
            }
            assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 60, "--once ends at the refusal");
            pair.env.remove("FERRY_TOKEN");
            try (FerryProcess once = FerryProcess.watcher("token-none-once", pair.source, pair.proxy.url(), pair.env, "--once")) {
                assertNotEquals(0, once.awaitExit(Duration.ofSeconds(90)));
                assertTrue(once.log().contains("refused: the store requires a token"), once.logTail());
            }
            pair.env.put("FERRY_TOKEN", "s3cret-token");
            assertEquals(0, pair.runOnce("token"));
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));
        }
    }

    @Test
    void aTokenForAPlainHttpStoreOnTheNetworkIsWarnedAbout(@TempDir Path root) throws Exception {
        Path source = Files.createDirectories(root.resolve("source"));
        Map<String, String> env = Map.of("FERRY_TOKEN", "a-token-for-the-network", "FERRY_WATCHER_ONCE_TIMEOUT", "2s",
                "FERRY_WATCHER_STATE_DIR", root.resolve("state").toString());
        // 192.0.2.1 is TEST-NET-1: never routed, so nothing is sent; the warning comes at start.
        try (FerryProcess w = FerryProcess.watcher("clear-token", source, "http://192.0.2.1:9181", env, "--once")) {
            assertNotEquals(0, w.awaitExit(Duration.ofSeconds(60)));
            String warning = w.log().lines().filter(l -> l.contains("goes in clear")).findFirst().orElse("");
            assertTrue(warning.contains("http://192.0.2.1:9181") && warning.contains("https://"), w.logTail());
        }
    }

    @Test
    void anUnusableDestIsOneLineNamingThePath(@TempDir Path root) throws Exception {
        Path file = Files.writeString(root.resolve("a-file"), "x");
        Path under = file.resolve("dest");
        try (FerryProcess store = FerryProcess.storeOnPort("dest-under-file", under, FerryProcess.freePort(), Map.of())) {
            assertNotEquals(0, store.awaitExit(Duration.ofSeconds(60)));
            String log = store.log();
            assertTrue(log.contains("ferry-store: cannot create DEST " + under + ": "), store.logTail());
            assertTrue(!log.contains("Exception") && !log.contains("\tat "), "one line, no stack trace:\n" + log);
            assertTrue(log.strip().lines().count() <= 2, "one line:\n" + log);
        }
        try (FerryProcess store = FerryProcess.storeOnPort("dest-is-file", file, FerryProcess.freePort(), Map.of())) {
            assertNotEquals(0, store.awaitExit(Duration.ofSeconds(60)));
            assertTrue(store.log().contains(file.toString()) && !store.log().contains("\tat "), store.logTail());
        }
        Path dest = Files.createDirectories(root.resolve("dest"));
        Files.writeString(dest.resolve(".ferry"), "not a folder");
        try (FerryProcess store = FerryProcess.storeOnPort("dest-state-file", dest, FerryProcess.freePort(), Map.of())) {
            assertNotEquals(0, store.awaitExit(Duration.ofSeconds(60)));
            String log = store.log();
            assertTrue(log.contains(dest.resolve(".ferry") + " exists but is not a directory"), store.logTail());
            assertTrue(!log.contains("\tat "), "no stack trace:\n" + log);
        }
    }

    @Test
    void versionAndHelpNameTheCommandAsStarted(@TempDir Path root) throws Exception {
        Map<String, Path> jars = Map.of("ferry-store", FerryProcess.storeJar(), "ferry-watcher", FerryProcess.watcherJar());
        for (Map.Entry<String, Path> e : jars.entrySet()) {
            try (FerryProcess p = FerryProcess.start(e.getKey() + "-version", e.getValue(), List.of("--version"),
                    FerryProcess.freePort(), Map.of())) {
                assertEquals(0, p.awaitExit(Duration.ofSeconds(60)), p.logTail());
                String line = p.log().strip();
                assertTrue(line.matches(java.util.regex.Pattern.quote(e.getKey())
                        + " \\d+\\.\\d+\\.\\d+\\S* \\(git ([0-9a-f]{7,}|unknown)\\)"), line);
            }
            try (FerryProcess p = FerryProcess.start(e.getKey() + "-help", e.getValue(), List.of("--help"),
                    FerryProcess.freePort(), Map.of())) {
                assertEquals(0, p.awaitExit(Duration.ofSeconds(60)), p.logTail());
                String usage = p.log().lines().filter(l -> l.startsWith("Usage: ")).findFirst().orElse("");
                assertTrue(usage.startsWith("Usage: java -jar " + e.getValue() + " "), "the command as typed: " + usage);
                assertTrue(p.log().contains("--version"), p.logTail());
            }
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
