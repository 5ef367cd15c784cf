package dev.ferry.store.rest;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.Endpoints;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.SyncService;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

@QuarkusTest
@TestProfile(TempDestProfile.class)
class ChunkResourceTest {
    private static final String OCTETS = "application/octet-stream";

    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    SyncService sync;

    private static String url(ChunkHash h) {
        return Endpoints.CHUNKS + "/" + h.hex();
    }

    @Test
    void putStoresOnceThenDeduplicates() {
        byte[] data = TestData.random(40_000);
        ChunkHash h = TestData.hash(data);
        given().head(url(h)).then().statusCode(404);
        given().contentType(OCTETS).body(data).put(url(h)).then().statusCode(201).body("result", equalTo("stored"));
        given().contentType(OCTETS).body(data).put(url(h)).then().statusCode(200).body("result", equalTo("present"));
        given().head(url(h)).then().statusCode(200);
    }

    @Test
    void putRefusesWrongBytesBadHashesAndOversizedBodies() {
        byte[] data = TestData.random(1000);
        ChunkHash other = TestData.hash(TestData.random(10));
        given().contentType(OCTETS).body(data).put(url(other)).then().statusCode(400)
                .body("error", equalTo("hash-mismatch")).body("message", notNullValue());
        given().head(url(other)).then().statusCode(404);
        given().head(url(TestData.hash(data))).then().statusCode(404);
        given().contentType(OCTETS).body(data).put(Endpoints.CHUNKS + "/nothex").then().statusCode(400)
                .body("error", equalTo("bad-hash"));
        byte[] huge = TestData.random(ChunkerParams.DEFAULT.maxSize() + 1);
        given().contentType(OCTETS).body(huge).put(url(TestData.hash(huge))).then().statusCode(413)
                .body("error", equalTo("too-large"));
        given().head(url(TestData.hash(huge))).then().statusCode(404);
    }

    @Test
    void batchStoresEveryRecord() {
        byte[] a = TestData.random(30_000);
        byte[] b = TestData.random(5);
        byte[] body = TestData.batch(List.of(a, b, a));
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(body).post(Endpoints.CHUNK_BATCH).then().statusCode(200)
                .body("stored", equalTo(2)).body("present", equalTo(1));
        given().head(url(TestData.hash(a))).then().statusCode(200);
        given().head(url(TestData.hash(b))).then().statusCode(200);
    }

    @Test
    void batchStopsAtACorruptRecordKeepingTheOnesBefore() {
        byte[] good = TestData.random(1000);
        byte[] bad = TestData.random(1000);
        byte[] after = TestData.random(1000);
        byte[] body = TestData.batch(List.of(good, bad, after));
        int badBodyAt = 2 * 36 + 1000 + 10;
        body[badBodyAt] ^= 0x55;
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(body).post(Endpoints.CHUNK_BATCH).then().statusCode(400)
                .body("error", equalTo("hash-mismatch")).body("stored", equalTo(1));
        given().head(url(TestData.hash(good))).then().statusCode(200);
        given().head(url(TestData.hash(bad))).then().statusCode(404);
        given().head(url(TestData.hash(after))).then().statusCode(404);
    }

    @Test
    void truncatedBatchAndWrongTypeAreRefused() {
        byte[] good = TestData.random(700);
        byte[] cut = TestData.random(700);
        byte[] body = TestData.batch(List.of(good, cut));
        byte[] truncated = Arrays.copyOf(body, body.length - 100);
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(truncated).post(Endpoints.CHUNK_BATCH).then().statusCode(400)
                .body("error", equalTo("truncated")).body("stored", equalTo(1));
        given().head(url(TestData.hash(good))).then().statusCode(200);
        given().head(url(TestData.hash(cut))).then().statusCode(404);
        given().contentType(OCTETS).body(body).post(Endpoints.CHUNK_BATCH).then().statusCode(415)
                .body("error", equalTo("unsupported-media-type"));
    }

    @Test
    void missingListsWhatIsNotStored() {
        byte[] have = TestData.random(100);
        ChunkHash h = TestData.hash(have);
        ChunkHash lacking = TestData.hash(TestData.random(100));
        given().contentType(OCTETS).body(have).put(url(h)).then().statusCode(201);
        given().contentType("application/json").body(Map.of("chunks", List.of(h.hex(), lacking.hex())))
                .post(Endpoints.CHUNK_MISSING).then().statusCode(200).body("missing", contains(lacking.hex()));
        given().contentType("application/json").body(Map.of("chunks", List.of(h.hex())))
                .post(Endpoints.CHUNK_MISSING).then().statusCode(200).body("missing", empty());
        given().contentType("application/json").body(Map.of("chunks", List.of("zz")))
                .post(Endpoints.CHUNK_MISSING).then().statusCode(400).body("error", equalTo("bad-hash"));
    }

    /**
     * Other tests of this application change the same counters, so the status is read before and after: one new
     * chunk stored, 4,000 bytes received, one chunk and 2,000 bytes deduplicated; the index and pending counts are
     * the store's own.
     */
    @Test
    void fetchSendsTheHeldChunksOfTheRequestInItsOrder() throws Exception {
        byte[] a = TestData.random(70_000);
        byte[] b = TestData.random(5_000);
        ChunkHash lacking = TestData.hash(TestData.random(100));
        given().contentType(OCTETS).body(a).put(url(TestData.hash(a))).then().statusCode(201);
        given().contentType(OCTETS).body(b).put(url(TestData.hash(b))).then().statusCode(201);

        byte[] answer = given().contentType("application/json")
                .body(Map.of("chunks", List.of(TestData.hash(b).hex(), lacking.hex(), TestData.hash(a).hex(), TestData.hash(b).hex())))
                .post(Endpoints.CHUNK_FETCH).then().statusCode(200).contentType(Endpoints.CHUNK_BATCH_TYPE)
                .extract().asByteArray();
        // b, a, b: the held ones in request order (a repeat is sent again), the lacking one left out.
        assertArrayEquals(TestData.batch(List.of(b, a, b)), answer);
        ChunkBatchFormat.Reader records = new ChunkBatchFormat.Reader(new java.io.ByteArrayInputStream(answer), 1 << 18);
        int n = 0;
        while (records.next()) {
            assertEquals(records.hash(), ChunkHash.compute(records.buffer(), 0, records.length()));
            n++;
        }
        assertEquals(3, n);

        given().contentType("application/json").body(Map.of("chunks", List.of(lacking.hex())))
                .post(Endpoints.CHUNK_FETCH).then().statusCode(200).extract().asByteArray();
        given().contentType("application/json").body(Map.of("chunks", List.of(TestData.hash(a).hex(), "zz")))
                .post(Endpoints.CHUNK_FETCH).then().statusCode(400).body("error", equalTo("bad-hash"));
        given().contentType("application/json").body("{}")
                .post(Endpoints.CHUNK_FETCH).then().statusCode(400);
        List<String> tooMany = java.util.Collections.nCopies(10_001, lacking.hex());
        given().contentType("application/json").body(Map.of("chunks", tooMany))
                .post(Endpoints.CHUNK_FETCH).then().statusCode(413).body("error", equalTo("too-large"));
    }

    @Test
    void statusReportsTheStore() {
        Map<String, Object> before = given().get(Endpoints.STATUS).then().statusCode(200).extract().jsonPath().getMap("");
        byte[] data = TestData.random(2000);
        given().contentType(OCTETS).body(data).put(url(TestData.hash(data))).then().statusCode(201);
        given().contentType(OCTETS).body(data).put(url(TestData.hash(data))).then().statusCode(200);
        given().get(Endpoints.STATUS).then().statusCode(200)
                .body("dest", equalTo(layout.dest().toString()))
                .body("chunksStored", equalTo(number(before, "chunksStored") + 1))
                .body("bytesReceived", equalTo(number(before, "bytesReceived") + 4000))
                .body("chunksDeduplicated", equalTo(number(before, "chunksDeduplicated") + 1))
                .body("bytesDeduplicated", equalTo(number(before, "bytesDeduplicated") + 2000))
                .body("filesInIndex", equalTo(index.size()))
                .body("pendingFiles", equalTo(sync.pendingFiles()));
    }

    /** A JSON number as rest-assured's matchers see it (an Integer while it fits). */
    private static int number(Map<String, Object> json, String key) {
        return Math.toIntExact(((Number) json.get(key)).longValue());
    }

    @Test
    void healthIsUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
