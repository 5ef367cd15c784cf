package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One store, two folders, two watchers: each folder mirrored to its own path under DEST, content shared between the
 * folders uploaded once, and a folder's token refused on the other folder (REST and sync), the store restarted
 * between the steps.
 */
class MultiFolderIT {
    private static final long MIB = 1024 * 1024;
    private static final String ADMIN = "admin-token-0123456789";
    private static final String TOKEN_A = "folder-a-token-0123456789";
    private static final String TOKEN_B = "folder-b-token-0123456789";

    private final List<AutoCloseable> running = new ArrayList<>();

    /** Longer than a refused --once needs; it ends at the refusal (as for a wrong token), not at this timeout. */
    private static final String ONCE_TIMEOUT = "15s";

    /** A refusal is final: --once ends at it instead of retrying until its timeout. */
    private static void assertRefusedAtOnce(FerryProcess once) {
        assertTrue(!once.log().contains("not confirmed in sync within"), "--once ends at the refusal:\n" + once.logTail());
    }

    private static Map<String, String> watcherEnv(Path root, String folder, String token) {
        Map<String, String> env = new HashMap<>();
        env.put("FERRY_WATCHER_STATE_DIR", root.resolve("state-" + folder).toString());
        env.put("FERRY_WATCHER_RETRY_MAX_DELAY", "500ms");
        if (token != null) {
            env.put("FERRY_TOKEN", token);
        }
        return env;
    }

    private static void awaitIdle(FerryProcess... watchers) {
        for (FerryProcess w : watchers) {
            Trees.await("the watcher to be idle", Duration.ofSeconds(60),
                    () -> SourceGuardIT.status(w).contains("\"state\":\"idle\""), w);
        }
    }

    @Test
    void twoWatchersOnTwoFoldersShareContentAndKeepToTheirOwnFolder(@TempDir Path root) throws Exception {
        long started = System.nanoTime();
        Path sourceA = Files.createDirectories(root.resolve("source-a"));
        Path sourceB = Files.createDirectories(root.resolve("source-b"));
        Path dest = root.resolve("dest");
        Trees.write(sourceA.resolve("team-a/plan.txt"), "folder a's plan");
        Trees.write(sourceB.resolve("team-b/notes.txt"), "folder b's notes");
        Trees.write(sourceB.resolve("same-name.txt"), "b");
        Trees.write(sourceA.resolve("same-name.txt"), "a");

        Map<String, String> storeEnv = new HashMap<>(Map.of("FERRY_STORE_FOLDERS", "a,b"));
        FerryProcess store = FerryProcess.store("folders-store", dest, storeEnv);
        int port = store.httpPort;
        try (LoopbackProxy proxy = new LoopbackProxy(port)) {
            try {
                FerryProcess a = FerryProcess.watcher("folders-watcher-a", sourceA, proxy.url(),
                        watcherEnv(root, "a", null), "--folder", "a");
                FerryProcess b = FerryProcess.watcher("folders-watcher-b", sourceB, proxy.url(),
                        watcherEnv(root, "b", null), "--folder", "b");
                running.add(a);
                running.add(b);
                Trees.awaitMirror(sourceA, dest.resolve("a"), FerryPair.SYNC_TIMEOUT, store, a);
                Trees.awaitMirror(sourceB, dest.resolve("b"), FerryPair.SYNC_TIMEOUT, store, b);
                JsonNode folders = new StoreApi(store).json("/api/v1/folders").path("folders");
                assertEquals(2, folders.size(), folders.toString());
                assertEquals(dest.resolve("a").toString(), folders.path(0).path("path").asText(), folders.toString());
                assertTrue(folders.path(0).path("bound").asBoolean() && folders.path(1).path("bound").asBoolean(),
                        folders.toString());

                // The same 8 MiB in both folders: uploaded by a, then not again by b.
                awaitIdle(a, b);
                proxy.reset();
                Trees.writeRandom(sourceA.resolve("shared/big.bin"), 77, 8 * MIB);
                Trees.awaitMirror(sourceA, dest.resolve("a"), FerryPair.SYNC_TIMEOUT, store, a);
                awaitIdle(a, b);
                long first = proxy.total();
                proxy.reset();
                Trees.writeRandom(sourceB.resolve("copy/big-copy.bin"), 77, 8 * MIB);
                Trees.awaitMirror(sourceB, dest.resolve("b"), FerryPair.SYNC_TIMEOUT, store, b);
                awaitIdle(a, b);
                long second = proxy.total();
                System.out.printf("[budget] 8 MiB into folder a: %,d bytes on the wire; the same into folder b: %,d%n",
                        first, second);
                assertTrue(first >= 8 * MIB, "the content crossed once: " + first);
                assertTrue(second < 256 * 1024, "folder b's copy of content folder a holds cost " + second + " bytes");
                double received = new StoreApi(store).metric("ferry_store_received_bytes_total");
                assertTrue(received >= 8 * MIB && received < 9 * MIB,
                        "the store received the 8 MiB once: " + received + " bytes counted");
                a.close();
                b.close();

                // Restarted with a token per folder and the admin token.
                store.close();
                storeEnv.put("FERRY_TOKEN", ADMIN);
                storeEnv.put("FERRY_STORE_FOLDER_TOKENS", "a=" + TOKEN_A + ",b=" + TOKEN_B);
                store = FerryProcess.storeOnPort("folders-store-tokens", dest, port, storeEnv);
                store.awaitReady(Duration.ofSeconds(60));
                StoreApi api = new StoreApi(store);
                HttpResponse<String> wrong = api.token(TOKEN_A).folder("b").get("/api/v1/status");
                assertEquals(403, wrong.statusCode(), wrong.body());
                assertTrue(wrong.body().contains("wrong-folder"), wrong.body());
                assertEquals(200, api.token(TOKEN_A).folder("a").get("/api/v1/status").statusCode());
                assertEquals(200, api.token(ADMIN).folder("b").get("/api/v1/status").statusCode());
                JsonNode own = api.token(TOKEN_A).json("/api/v1/folders").path("folders");
                assertEquals(1, own.size(), "a folder token sees its own folder: " + own);
                assertEquals("a", own.path(0).path("name").asText());

                // Folder a's token on folder b: refused, and nothing of b's changes reaches DEST/b.
                Trees.write(sourceB.resolve("team-b/changed-while-a-tried.txt"), "b's own change");
                Map<String, String> intruderEnv = watcherEnv(root, "b", TOKEN_A);
                intruderEnv.put("FERRY_WATCHER_ONCE_TIMEOUT", "10s"); // ample for one small file, were it let through
                try (FerryProcess intruder = FerryProcess.watcher("folders-intruder", sourceB, proxy.url(), intruderEnv,
                        "--folder", "b", "--once")) {
                    assertNotEquals(0, intruder.awaitExit(Duration.ofSeconds(60)), intruder.logTail());
                }
                assertTrue(Files.notExists(dest.resolve("b/team-b/changed-while-a-tried.txt")),
                        "a's token must not change folder b");

                a = FerryProcess.watcher("folders-watcher-a-token", sourceA, proxy.url(),
                        watcherEnv(root, "a", TOKEN_A), "--folder", "a");
                running.add(a);
                b = FerryProcess.watcher("folders-watcher-b-token", sourceB, proxy.url(),
                        watcherEnv(root, "b", TOKEN_B), "--folder", "b");
                running.add(b);
                Trees.write(sourceA.resolve("team-a/after-restart.txt"), "a again");
                Trees.awaitMirror(sourceA, dest.resolve("a"), FerryPair.SYNC_TIMEOUT, store, a);
                Trees.awaitMirror(sourceB, dest.resolve("b"), FerryPair.SYNC_TIMEOUT, store, b);
            } finally {
                for (AutoCloseable c : running) {
                    c.close();
                }
                store.close();
            }
        }
        System.out.printf("[e2e] MultiFolderIT: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * A refusal is reported as one and is final for {@code --once}, as for a wrong token (CommandLineIT): a watcher
     * naming no folder on a store of folders, and a watcher with folder a's token naming folder b.
     */
    @Test
    void aWatcherNamingNoFolderOrAnotherFoldersTokenIsRefusedAtOnce(@TempDir Path root) throws Exception {
        long started = System.nanoTime();
        Path source = Files.createDirectories(root.resolve("source"));
        Trees.write(source.resolve("x.txt"), "x");
        Map<String, String> storeEnv = Map.of("FERRY_STORE_FOLDERS", "a,b", "FERRY_TOKEN", ADMIN,
                "FERRY_STORE_FOLDER_TOKENS", "a=" + TOKEN_A + ",b=" + TOKEN_B);
        try (FerryProcess store = FerryProcess.store("folders-refusal-store", root.resolve("dest"), storeEnv)) {
            Map<String, String> unnamedEnv = watcherEnv(root, "unnamed", ADMIN);
            unnamedEnv.put("FERRY_WATCHER_ONCE_TIMEOUT", ONCE_TIMEOUT);
            try (FerryProcess unnamed = FerryProcess.watcher("folders-unnamed", source, store.url(), unnamedEnv, "--once")) {
                assertNotEquals(0, unnamed.awaitExit(Duration.ofSeconds(60)));
                assertTrue(unnamed.log().contains("--folder") && unnamed.log().contains("a, b"), unnamed.logTail());
                assertRefusedAtOnce(unnamed);
            }
            Map<String, String> intruderEnv = watcherEnv(root, "b", TOKEN_A);
            intruderEnv.put("FERRY_WATCHER_ONCE_TIMEOUT", ONCE_TIMEOUT);
            try (FerryProcess intruder = FerryProcess.watcher("folders-wrong-token", source, store.url(), intruderEnv,
                    "--folder", "b", "--once")) {
                assertNotEquals(0, intruder.awaitExit(Duration.ofSeconds(60)));
                assertTrue(!intruder.log().contains("unreachable"), "a 403 is a refusal, not an outage:\n"
                        + intruder.logTail());
                assertRefusedAtOnce(intruder);
            }
            assertTrue(Files.notExists(root.resolve("dest/b/x.txt")) && Files.notExists(root.resolve("dest/x.txt")));
        }
        System.out.printf("[e2e] MultiFolderIT refusals: %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }
}
