package dev.ferry.store.hostile;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.LimitsProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Out-of-order, oversized and over-limit input on the WebSocket and REST: clear errors, nothing stored wrong. */
@QuarkusTest
@TestProfile(LimitsProfile.class)
class HostileInputTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    DiskQuota quota;

    private WsClient greeted(String id) throws Exception {
        WsClient c = WsClient.connect(sync, null);
        c.send(new Message.Hello(Message.VERSION, id, ChunkerParams.DEFAULT, "nope", 0));
        assertFalse(c.next(Message.Welcome.class).inSync());
        return c;
    }

    private static Message.Error error(WsClient c, String code) throws InterruptedException {
        Message.Error e = c.next(Message.Error.class);
        assertEquals(code, e.code(), e.toString());
        return e;
    }

    /** The store still answers a plain round trip on a new connection. */
    private void storeStillServes() throws Exception {
        try (WsClient c = greeted("after")) {
            c.send(new Message.Check(index.rootDigest()));
            assertTrue(c.next(Message.Checked.class).inSync());
        }
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void outOfOrderMessagesGetErrorsAndApplyNothing() throws Exception {
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.IndexBatch(List.of(new Message.IndexEntry("x", "00")), true));
            error(c, "bad-message");
            assertTrue(c.awaitClosed(), "an index before hello closes");
        }
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Changes(1, List.of(new Change.Upsert(Manifest.directory("early", 0755, 1L)))));
            error(c, "bad-message");
            assertTrue(c.awaitClosed(), "changes before hello close");
        }
        assertFalse(Files.exists(layout.dest().resolve("early")));
        try (WsClient c = greeted("ooo")) {
            c.send(new Message.IndexBatch(List.of(new Message.IndexEntry("during", "00")), false));
            c.send(new Message.Changes(2, List.of(new Change.Upsert(Manifest.directory("during", 0755, 1L)))));
            assertTrue(error(c, "bad-message").message().contains("reconcile"));
            assertFalse(Files.exists(layout.dest().resolve("during")), "changes during a reconcile are not applied");
            c.send(new Message.IndexBatch(List.of(), true));
            assertEquals(List.of("during"), c.next(Message.Need.class).paths());
            c.send(new Message.Changes(3, List.of(new Change.Upsert(Manifest.directory("during", 0755, 1L)))));
            c.next(Message.Missing.class);
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertTrue(Files.isDirectory(layout.dest().resolve("during")));

            c.send(new Message.Hello(Message.VERSION, "ooo-again", ChunkerParams.DEFAULT, "nope", 0));
            c.next(Message.Welcome.class);
            c.send(new Message.Welcome(1, "me", ChunkerParams.DEFAULT, true));
            error(c, "bad-message");
            c.sendRaw("{\"type\":\"changes\",\"batch\":4,\"items\":[{\"op\":\"upsert\",\"entry\":{\"path\":\"f\",\"type\":\"file\","
                    + "\"mode\":420,\"mtimeNs\":1,\"size\":5,\"chunks\":\"\"}}]}");
            assertTrue(error(c, "bad-message").message().contains("chunk lengths"), "sizes must add up");
            c.sendRaw("{\"type\":\"changes\",\"batch\":5,\"items\":[{\"op\":\"rename\",\"path\":\"x\"}]}");
            error(c, "bad-message");
            c.sendRaw("{\"type\":\"hello\",\"protocol\":1,\"clientId\":\"" + "c".repeat(100_000) + "\",\"chunker\":"
                    + "{\"algorithm\":\"" + ChunkerParams.DEFAULT.algorithm() + "\",\"minSize\":16384,\"avgSize\":65536,\"maxSize\":262144},\"rootDigest\":\"x\",\"entries\":0}");
            Message.Error giant = error(c, "bad-message");
            assertTrue(giant.message().contains("clientId"), giant.message());
            assertTrue(c.awaitClosed(), "a hello with a giant clientId is refused");
        }
        storeStillServes();
    }

    @Test
    void hugeJsonIsRefusedAndTheConnectionSurvives() throws Exception {
        try (WsClient c = greeted("huge")) {
            c.sendRaw("{\"type\":\"check\",\"rootDigest\":" + "[".repeat(5000) + "]".repeat(5000) + "}");
            error(c, "bad-message");
            StringBuilder items = new StringBuilder("{\"type\":\"changes\",\"batch\":7,\"items\":[");
            for (int i = 0; i < 200_000; i++) {
                items.append(i == 0 ? "" : ",").append("{\"op\":\"delete\",\"path\":\"d").append(i).append("\"}");
            }
            c.sendRaw(items.append("]}").toString());
            assertTrue(error(c, "too-large").message().contains("nothing applied"));
            List<Message.IndexEntry> entries = new ArrayList<>();
            for (int i = 0; i < 101; i++) {
                entries.add(new Message.IndexEntry("i" + i, "00"));
            }
            c.send(new Message.IndexBatch(entries, false));
            error(c, "too-large");
            c.sendRaw("{\"type\":\"check\",\"rootDigest\":\"" + "z".repeat(8_000_000) + "\"}");
            assertFalse(c.next(Message.Checked.class).inSync(), "a giant string within the frame limit is just wrong");
            c.send(new Message.Check(index.rootDigest()));
            assertTrue(c.next(Message.Checked.class).inSync());
        }
        try (WsClient c = greeted("too-big-frame")) {
            try {
                c.sendRaw("{\"type\":\"check\",\"rootDigest\":\"" + "z".repeat(17 * 1024 * 1024) + "\"}");
            } catch (java.io.IOException e) {
                // the store may close the connection while the frame is still being sent
            }
            assertTrue(c.awaitClosed(), "a frame over 16 MiB closes the connection (1009)");
        }
        storeStillServes();
    }

    @Test
    void aReconcileIndexFarPastTheSessionHeapLimitIsKeptOnDiskAndAnswered() throws Exception {
        // 1,000 entries: about 180 KB of reconcile index against a session limit of 64 KiB (LimitsProfile). The
        // index waits on disk, not on the heap, so a tree of any size reconciles.
        List<String> sent = new ArrayList<>();
        try (WsClient c = greeted("big-index")) {
            for (int f = 0; f < 10; f++) {
                List<Message.IndexEntry> entries = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    String path = "frame" + f + "/entry-" + i;
                    entries.add(new Message.IndexEntry(path, "0".repeat(32)));
                    sent.add(path);
                }
                c.send(new Message.IndexBatch(entries, f == 9));
            }
            List<String> need = new ArrayList<>();
            Message.Need frame;
            do {
                frame = c.next(Message.Need.class);
                need.addAll(frame.paths());
            } while (!frame.last());
            sent.sort(null);
            assertEquals(sent, need, "every entry the store lacks is asked for, in path order");
        }
        storeStillServes();
    }

    @Test
    void pendingFilesPastTheSessionLimitFailWithSessionLimit() throws Exception {
        List<Change> items = new ArrayList<>();
        items.add(new Change.Upsert(Manifest.directory("many", 0755, 1L)));
        for (int i = 0; i < 99; i++) {
            items.add(new Change.Upsert(TestData.file(1000, 10).manifest("many/f" + i, 0644, 1L)));
        }
        try (WsClient c = greeted("pending")) {
            c.send(new Message.Changes(10, items));
            assertTrue(c.next(Message.Missing.class).chunks().size() > 0, "some files are admitted");
            c.send(new Message.Changes(11, List.of(new Change.Delete("many"))));
            c.next(Message.Missing.class);
            List<Message.Ack> acks = List.of(c.next(Message.Ack.class), c.next(Message.Ack.class));
            Message.Ack first = acks.get(0).batch() == 10 ? acks.get(0) : acks.get(1);
            assertTrue(first.failed().size() > 50 && first.failed().size() < 99, first.failed().size() + " failed");
            for (Message.Failure f : first.failed()) {
                assertTrue(f.reason().startsWith("session-limit: "), f.reason());
            }
        }
        assertFalse(Files.exists(layout.dest().resolve("many")));
    }

    /**
     * A copy run costs 4 bytes whatever its length: one compressed frame of repeated runs over a pending base of 300
     * chunks would resolve to 750 million chunks (gigabytes of heap) before its size is checked.
     */
    @Test
    void aPatchOfRepeatedCopyRunsIsRefusedWithoutResolvingIt() throws Exception {
        TestData.FileData base = TestData.file(3000, 10);
        Manifest baseManifest = base.manifest("amp-base", 0644, 1L);
        byte[] delta = new byte[10_000_000];
        for (int i = 0; i < delta.length; i += 4) {
            delta[i] = 1;
            delta[i + 2] = (byte) 0xac;
            delta[i + 3] = 0x02;
        }
        try (WsClient c = greeted("amplify")) {
            c.send(new Message.Changes(30, List.of(new Change.Upsert(baseManifest))));
            assertEquals(300, c.next(Message.Missing.class).chunks().size(), "the base waits for its chunks");
            long t0 = System.nanoTime();
            c.sendCompressed(new Message.Changes(31, List.of(new Change.Patch("amp", 0644, 1L, 3000, "amp-base",
                    baseManifest.digest(), false, delta))));
            assertEquals(31, c.next(Message.Missing.class).batch());
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(31, ack.batch());
            assertEquals(1, ack.failed().size(), ack.toString());
            assertEquals("bad-message", ack.failed().get(0).code(), ack.toString());
            assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "refused at once");
        }
        storeStillServes();
    }

    @Test
    void restRefusesWrongTypesOversizedRecordsAndLongLists() {
        byte[] data = TestData.random(500);
        String url = Endpoints.CHUNKS + "/" + TestData.hash(data).hex();
        given().contentType("text/plain").body(data).put(url).then().statusCode(415).body("error", equalTo("unsupported-media-type"));
        given().contentType("application/*").body(data).put(url).then().statusCode(415);
        given().head(url).then().statusCode(404);
        given().contentType("application/json").body(TestData.batch(List.of(data))).post(Endpoints.CHUNK_BATCH).then().statusCode(415);
        byte[] header = ByteBuffer.allocate(ChunkBatchFormat.HEADER).put(TestData.hash(data).toBytes()).putInt(ChunkerParams.DEFAULT.maxSize() + 1).array();
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(header).post(Endpoints.CHUNK_BATCH).then().statusCode(400)
                .body("error", equalTo("too-large")).body("stored", equalTo(0));
        List<String> hashes = new ArrayList<>();
        for (int i = 0; i < 101; i++) {
            hashes.add("ab".repeat(32));
        }
        given().contentType("application/json").body(java.util.Map.of("chunks", hashes)).post(Endpoints.CHUNK_MISSING)
                .then().statusCode(413).body("error", equalTo("too-large"));
        given().contentType("application/json").body("{\"chunks\":[" + "[".repeat(3000)).post(Endpoints.CHUNK_MISSING)
                .then().statusCode(400);
        given().head(url).then().statusCode(404);
    }

    @Test
    void theQuotaFailsWhatWouldPassItAndAppliesTheRest() throws Exception {
        long free = quota.limit() - quota.used();
        int size = (int) (free / 2 / 3);
        TestData.FileData fits = TestData.file(size, 200_000);
        TestData.FileData over = TestData.file(size * 3, 200_000);
        TestData.FileData small = TestData.file(1000, 1000);
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(small.pieces())).post(Endpoints.CHUNK_BATCH).then().statusCode(200);
        try (WsClient c = greeted("quota")) {
            c.send(new Message.Changes(20, List.of(new Change.Upsert(fits.manifest("q-fits", 0644, 1L)),
                    new Change.Upsert(over.manifest("q-over", 0644, 1L)),
                    new Change.Upsert(Manifest.directory("q-dir", 0755, 1L)),
                    new Change.Upsert(small.manifest("q-dir/small", 0644, 1L)))));
            assertEquals(fits.pieces().size(), c.next(Message.Missing.class).chunks().size(), "only the file that fits waits");
            given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(fits.pieces())).post(Endpoints.CHUNK_BATCH).then().statusCode(200);
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(1, ack.failed().size(), ack.toString());
            assertEquals("q-over", ack.failed().get(0).path());
            assertTrue(ack.failed().get(0).reason().startsWith("quota-exceeded: "), ack.failed().get(0).reason());
        }
        assertArrayEquals(fits.bytes(), Files.readAllBytes(layout.dest().resolve("q-fits")));
        assertArrayEquals(small.bytes(), Files.readAllBytes(layout.dest().resolve("q-dir/small")));
        assertFalse(Files.exists(layout.dest().resolve("q-over")), "nothing of the refused file is written");
        assertNull(index.get("q-over"));
        try (var tmp = Files.list(layout.tmpDir())) {
            assertEquals(0, tmp.count(), "no half-written temp file is left");
        }
        List<byte[]> junk = new ArrayList<>();
        long room = quota.limit() - quota.used();
        for (long sum = 0; sum <= room; sum += 200_000) {
            junk.add(TestData.random(200_000));
        }
        String refusal = given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(junk))
                .post(Endpoints.CHUNK_BATCH).then().statusCode(507).body("error", equalTo("quota-exceeded"))
                .extract().path("message");
        assertEquals("200000 more bytes would pass the store's quota of " + quota.limit() + " bytes (" + quota.used()
                + " used, 0 reserved by pending files)", refusal);
        byte[] one = TestData.random(200_000);
        given().contentType("application/octet-stream").body(one).put(Endpoints.CHUNKS + "/" + TestData.hash(one).hex())
                .then().statusCode(507).body("error", equalTo("quota-exceeded"));
        assertTrue(quota.used() <= quota.limit(), quota.used() + " > " + quota.limit());
        byte[] again = fits.pieces().get(0);
        given().contentType("application/octet-stream").body(again).put(Endpoints.CHUNKS + "/" + TestData.hash(again).hex())
                .then().statusCode(200).body("result", equalTo("present"));
    }
}
