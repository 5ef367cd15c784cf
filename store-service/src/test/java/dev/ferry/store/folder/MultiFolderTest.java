package dev.ferry.store.folder;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.websocket.CloseReason;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.empty;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One store, two folders: routing by {@code folder=}, tokens per folder, content shared between folders. */
@QuarkusTest
@TestProfile(TwoFoldersProfile.class)
class MultiFolderTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    /** DEST: the container of the folders. */
    @Inject
    StoreLayout dest;
    @Inject
    Folders folders;
    @Inject
    FolderJobs jobs;
    /** The unnamed folder's auditor: with folders set, DEST is their container. */
    @Inject
    dev.ferry.store.audit.DestAuditor destAuditor;

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private Path folder(String name) {
        return dest.dest().resolve(name);
    }

    /** A watcher of {@code folder}, greeted as source {@code sourceId}. */
    private WsClient greeted(String folder, String sourceId) throws Exception {
        WsClient c = WsClient.connect(URI.create(sync + "?folder=" + folder), TwoFoldersProfile.ADMIN);
        c.send(new Message.Hello(Message.VERSION, "w-" + folder, ChunkerParams.DEFAULT, "not-the-root", 0, sourceId, null));
        c.next(Message.Welcome.class);
        return c;
    }

    @Test
    void eachFolderIsAStoreOfItsOwnListedByTheAdmin() {
        as(TwoFoldersProfile.ADMIN).get(Endpoints.FOLDERS).then().statusCode(200)
                .body("folders.name", equalTo(List.of("a", "b")))
                .body("folders[0].path", equalTo(folder("a").toString()))
                .body("folders[1].path", equalTo(folder("b").toString()));
        assertTrue(Files.isRegularFile(folder("a").resolve(".ferry/state.mv.db")));
        assertTrue(Files.isRegularFile(folder("b").resolve(".ferry/lock")));
        assertNotEquals(folders.resolve("a").layout().storeId(), folders.resolve("b").layout().storeId());
        as(TwoFoldersProfile.ADMIN).get(Endpoints.STATUS + "?folder=b").then().statusCode(200)
                .body("dest", equalTo(folder("b").toString()));
    }

    @Test
    void aRequestNamesAFolderTheStoreServes() {
        as(TwoFoldersProfile.ADMIN).get(Endpoints.STATUS).then().statusCode(404)
                .body("error", equalTo("folder-required"))
                .body("message", containsString("a, b"))
                .body("message", containsString("--folder"));
        as(TwoFoldersProfile.ADMIN).contentType("application/json").body("{\"chunks\":[]}")
                .post(Endpoints.CHUNK_MISSING).then().statusCode(404).body("error", equalTo("folder-required"));
        as(TwoFoldersProfile.ADMIN).get(Endpoints.STATUS + "?folder=c").then().statusCode(404)
                .body("error", equalTo("no-such-folder"))
                .body("message", containsString("a, b"));
        as(TwoFoldersProfile.ADMIN).post(Endpoints.VERIFY + "?folder=nope").then().statusCode(404)
                .body("error", equalTo("no-such-folder"));
    }

    @Test
    void aWatcherNamingNoFolderIsToldWhyAndClosed() throws Exception {
        try (WsClient c = WsClient.connect(sync, TwoFoldersProfile.ADMIN)) {
            c.send(new Message.Hello(Message.VERSION, "w-none", ChunkerParams.DEFAULT, "x", 0));
            Message.Error e = c.next(Message.Error.class);
            assertEquals("folder-required", e.code());
            assertTrue(e.message().contains("a, b") && e.message().contains("--folder"), e.message());
            assertTrue(c.awaitClosed());
            assertClosedFor("folder-required", c.closeReason());
        }
        try (WsClient c = WsClient.connect(URI.create(sync + "?folder=zzz"), TwoFoldersProfile.ADMIN)) {
            c.send(new Message.Hello(Message.VERSION, "w-zzz", ChunkerParams.DEFAULT, "x", 0));
            assertEquals("no-such-folder", c.next(Message.Error.class).code());
            assertTrue(c.awaitClosed());
            assertClosedFor("no-such-folder", c.closeReason());
        }
    }

    @Test
    void aFolderTokenOpensItsFolderOnly() throws Exception {
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.STATUS + "?folder=a").then().statusCode(200);
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.STATUS + "?folder=b").then().statusCode(403)
                .body("error", equalTo("wrong-folder"));
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.STATUS + "?folder=a&folder=b").then().statusCode(403);
        as(TwoFoldersProfile.TOKEN_B).head(Endpoints.CHUNKS + "/" + "00".repeat(32) + "?folder=a").then().statusCode(403);
        as(TwoFoldersProfile.TOKEN_A).get("/q/metrics").then().statusCode(403);
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.FOLDERS).then().statusCode(200)
                .body("folders.name", equalTo(List.of("a")));
        as("not-a-token-of-this-store").get(Endpoints.STATUS + "?folder=a").then().statusCode(401);
        IOException refused = assertThrows(IOException.class,
                () -> WsClient.connect(URI.create(sync + "?folder=b"), TwoFoldersProfile.TOKEN_A).close());
        assertTrue(causes(refused).contains("403"), causes(refused));
        try (WsClient c = WsClient.connect(URI.create(sync + "?folder=a"), TwoFoldersProfile.TOKEN_A)) {
            c.send(new Message.Hello(Message.VERSION, "w-token", ChunkerParams.DEFAULT, "x", 0));
            c.next(Message.Welcome.class);
        }
    }

    @Test
    void contentOfOneFolderIsNotUploadedAgainForAnother() throws Exception {
        TestData.FileData f = TestData.file(300_000, 100_000);
        Manifest inA = f.manifest("shared-a.bin", 0644, 1_700_000_000_000_000_000L);
        try (WsClient a = greeted("a", "source-a")) {
            a.send(new Message.Changes(1, List.of(new Change.Upsert(inA))));
            assertEquals(3, a.next(Message.Missing.class).chunks().size());
            as(TwoFoldersProfile.TOKEN_A).contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(f.pieces()))
                    .post(Endpoints.CHUNK_BATCH + "?folder=a").then().statusCode(200).body("stored", equalTo(3));
            assertEquals(List.of(), a.next(Message.Ack.class).failed());
        }
        assertArrayEquals(f.bytes(), Files.readAllBytes(folder("a").resolve("shared-a.bin")));

        List<String> hashes = f.chunks().stream().map(c -> c.hash().hex()).toList();
        as(TwoFoldersProfile.TOKEN_B).contentType("application/json").body(Map.of("chunks", hashes))
                .post(Endpoints.CHUNK_MISSING + "?folder=b").then().statusCode(200).body("missing", empty());
        as(TwoFoldersProfile.TOKEN_B).head(Endpoints.CHUNKS + "/" + hashes.get(0) + "?folder=b").then().statusCode(200);
        // Restore's many-chunk download serves another folder's chunks as GET chunks/{hash} does; a token opens its own.
        byte[] fetched = as(TwoFoldersProfile.TOKEN_B).contentType("application/json").body(Map.of("chunks", hashes))
                .post(Endpoints.CHUNK_FETCH + "?folder=b").then().statusCode(200)
                .contentType(Endpoints.CHUNK_BATCH_TYPE).extract().asByteArray();
        assertArrayEquals(TestData.batch(f.pieces()), fetched, "folder b is sent the chunks only folder a holds");
        as(TwoFoldersProfile.TOKEN_A).contentType("application/json").body(Map.of("chunks", hashes))
                .post(Endpoints.CHUNK_FETCH + "?folder=b").then().statusCode(403);

        int receivedBefore = as(TwoFoldersProfile.TOKEN_B).get(Endpoints.STATUS + "?folder=b").then().statusCode(200)
                .extract().path("chunksReceived");
        Manifest inB = f.manifest("copy/in-b.bin", 0600, 1_700_000_001_000_000_000L);
        try (WsClient b = greeted("b", "source-b")) {
            b.send(new Message.Changes(1, List.of(new Change.Upsert(Manifest.directory("copy", 0755, 1L)),
                    new Change.Upsert(inB))));
            assertEquals(List.of(), b.next(Message.Missing.class).chunks(), "folder a holds every chunk");
            assertEquals(List.of(), b.next(Message.Ack.class).failed());
        }
        assertArrayEquals(f.bytes(), Files.readAllBytes(folder("b").resolve("copy/in-b.bin")));
        as(TwoFoldersProfile.TOKEN_B).get(Endpoints.STATUS + "?folder=b").then().statusCode(200)
                .body("chunksReceived", equalTo(receivedBefore));
        assertFalse(Files.exists(folder("a").resolve("copy")), "folder b's file is not written into folder a");

        // Version history and restore read each folder's own index.
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.VERSIONS + "?path=shared-a.bin&folder=a").then().statusCode(200)
                .body("current.size", equalTo(300_000));
        as(TwoFoldersProfile.TOKEN_B).get(Endpoints.VERSIONS + "?path=shared-a.bin&folder=b").then().statusCode(404)
                .body("error", equalTo("not-found"));
        byte[] restored = as(TwoFoldersProfile.TOKEN_B).get(Endpoints.VERSIONS_FILE + "?path=copy/in-b.bin&folder=b")
                .then().statusCode(200).extract().asByteArray();
        assertArrayEquals(f.bytes(), restored);
    }

    @Test
    void aChangedFileOfAnotherFolderIsNotHeldAndStaysUndamaged() throws Exception {
        TestData.FileData f = TestData.file(200_000, 100_000);
        Manifest inA = f.manifest("changed-later.bin", 0644, 1_700_000_000_000_000_000L);
        try (WsClient a = greeted("a", "source-a")) {
            a.send(new Message.Changes(2, List.of(new Change.Upsert(inA))));
            a.next(Message.Missing.class);
            as(TwoFoldersProfile.ADMIN).contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(f.pieces()))
                    .post(Endpoints.CHUNK_BATCH + "?folder=a").then().statusCode(200);
            assertEquals(List.of(), a.next(Message.Ack.class).failed());
        }
        // Someone rewrites folder a's copy in place (same size): its regions no longer hold the chunks.
        Files.write(folder("a").resolve("changed-later.bin"), TestData.random(200_000));

        Manifest inB = f.manifest("wants-them.bin", 0644, 1_700_000_002_000_000_000L);
        try (WsClient b = greeted("b", "source-b")) {
            b.send(new Message.Changes(2, List.of(new Change.Upsert(inB))));
            // Counted as held at first (folder a's regions), then not found intact there: asked for.
            Set<ChunkHash> asked = new HashSet<>(b.next(Message.Missing.class).chunks());
            if (asked.isEmpty()) {
                asked.addAll(b.next(Message.Missing.class).chunks());
            }
            assertFalse(asked.isEmpty(), "the watcher is asked for the chunks folder a no longer holds");
            as(TwoFoldersProfile.TOKEN_B).contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(f.pieces()))
                    .post(Endpoints.CHUNK_BATCH + "?folder=b").then().statusCode(200);
            assertEquals(List.of(), b.next(Message.Ack.class).failed());
        }
        assertArrayEquals(f.bytes(), Files.readAllBytes(folder("b").resolve("wants-them.bin")));
        assertNotEquals(MirrorIndex.DAMAGED, folders.resolve("a").index().digestOf("changed-later.bin"),
                "folder b's read never marks folder a's file damaged");
    }

    @Test
    void eachFolderCollectsItsOwnGarbageOnSchedule() {
        byte[] orphan = TestData.random(5_000);
        ChunkHash hash = TestData.hash(orphan);
        String url = Endpoints.CHUNKS + "/" + hash.hex();
        as(TwoFoldersProfile.TOKEN_B).contentType("application/octet-stream").body(orphan).put(url + "?folder=b")
                .then().statusCode(201);
        as(TwoFoldersProfile.TOKEN_A).head(url + "?folder=a").then().statusCode(200); // held by b, counted for a
        assertTrue(folders.resolve("b").chunks().backdateForTests(hash, 0), "in b's pack");
        long runsA = folders.resolve("a").stats().gcRuns();
        jobs.collect(); // what the scheduler runs every ferry.store.gc-interval
        as(TwoFoldersProfile.TOKEN_B).head(url + "?folder=b").then().statusCode(404);
        as(TwoFoldersProfile.TOKEN_A).head(url + "?folder=a").then().statusCode(404);
        assertEquals(runsA + 1, folders.resolve("a").stats().gcRuns(), "folder a's collector ran too");
    }

    /** DEST's top level is the folders (and whatever the operator keeps beside them): never audited as a mirror. */
    @Test
    void destItselfIsNeverAuditedAsAMirror() throws Exception {
        Path beside = dest.dest().resolve("beside-the-folders.txt");
        Files.writeString(beside, "the operator's");
        try {
            assertThrows(IllegalStateException.class, destAuditor::auditNow);
            destAuditor.scheduled();
            assertEquals("the operator's", Files.readString(beside));
            assertTrue(Files.isDirectory(folder("a").resolve(".ferry")) && Files.isDirectory(folder("b").resolve(".ferry")));
        } finally {
            Files.deleteIfExists(beside);
        }
    }

    @Test
    void metricsAreTaggedWithTheFolder() {
        String text = as(TwoFoldersProfile.ADMIN).get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(text.contains("ferry_store_index_entries{folder=\"a\"}"), text);
        assertTrue(text.contains("ferry_store_index_entries{folder=\"b\"}"), text);
        assertFalse(text.contains("\nferry_store_index_entries "), "no untagged meter beside the tagged ones");
    }

    @Test
    void eachFolderListsAndCountsItsOwnVersions() throws Exception {
        FolderStack b = folders.resolve("b");
        String path = "replaced-" + System.nanoTime() + ".bin";
        TestData.FileData v1 = TestData.file(9_000, 16_000);
        TestData.FileData v2 = TestData.file(4_000, 16_000);
        for (TestData.FileData v : List.of(v1, v2)) {
            Manifest m = v.manifest(path, 0644, System.nanoTime());
            b.apply().call(() -> {
                for (byte[] piece : v.pieces()) {
                    b.chunks().put(TestData.hash(piece), piece, 0, piece.length);
                }
                b.materializer().apply(m);
                b.index().put(m);
                b.materializer().recorded(m);
                b.materializer().commitChunks();
                return null;
            });
        }
        as(TwoFoldersProfile.ADMIN).get(Endpoints.VERSIONS_RECENT + "?folder=b").then().statusCode(200)
                .body("versions[0].path", equalTo(path)).body("versions[0].reason", equalTo("modified"))
                .body("versions[0].size", equalTo(9_000));
        as(TwoFoldersProfile.TOKEN_B).get(Endpoints.VERSIONS_RECENT + "?folder=b").then().statusCode(200)
                .body("versions[0].path", equalTo(path));
        as(TwoFoldersProfile.ADMIN).get(Endpoints.VERSIONS_RECENT + "?folder=a").then().statusCode(200)
                .body("versions.path", not(hasItem(path)));
        as(TwoFoldersProfile.TOKEN_A).get(Endpoints.VERSIONS_RECENT + "?folder=b").then().statusCode(403)
                .body("error", equalTo("wrong-folder"));
        as(TwoFoldersProfile.ADMIN).get(Endpoints.VERSIONS_RECENT).then().statusCode(404)
                .body("error", equalTo("folder-required"));

        String text = as(TwoFoldersProfile.ADMIN).get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(sample(text, "ferry_store_versions{folder=\"b\"}") >= 1, text);
        assertTrue(sample(text, "ferry_store_versions_bytes{folder=\"b\"}") >= 9_000, text);
        assertTrue(sample(text, "ferry_store_versions_pruned_total{folder=\"a\"}") >= 0, text);
        assertEquals(b.index().versions().count(), (long) sample(text, "ferry_store_versions{folder=\"b\"}"));
        assertEquals(folders.resolve("a").index().versions().count(),
                (long) sample(text, "ferry_store_versions{folder=\"a\"}"));
        assertFalse(text.contains("\nferry_store_versions "), "no untagged meter beside the tagged ones");
    }

    /** The value of the sample line that starts with {@code nameAndLabels}; fails when there is none. */
    private static double sample(String text, String nameAndLabels) {
        for (String line : text.split("\n")) {
            if (line.startsWith(nameAndLabels + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no sample " + nameAndLabels);
    }

    /**
     * Closed with 1008 and the code as the reason; or, as the client sometimes reports a store's close (SyncLimitsTest),
     * 1001 without a reason: the error frame before it is what says why.
     */
    static void assertClosedFor(String code, CloseReason why) {
        if (why.getCloseCode().getCode() == 1001 && why.getReasonPhrase().isEmpty()) {
            return;
        }
        assertEquals(1008, why.getCloseCode().getCode(), why.toString());
        assertTrue(why.getReasonPhrase().startsWith(code), why.toString());
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
        }
        return all.toString();
    }
}
