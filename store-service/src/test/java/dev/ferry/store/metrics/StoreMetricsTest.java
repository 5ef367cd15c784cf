package dev.ferry.store.metrics;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real sync work through the WebSocket and the chunk endpoints, then a scrape of /q/metrics and GET /api/v1/status:
 * the counters and gauges moved by exactly what was done. Deltas, since other tests share the application.
 */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class StoreMetricsTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;

    private static PrometheusText scrape() {
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return new PrometheusText(text);
    }

    @Test
    void syncWorkMovesTheMetricsAndTheStatus() throws Exception {
        PrometheusText before = scrape();
        TestData.FileData file = TestData.file(150_000, 60_000);
        byte[] a = file.pieces().get(0);
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION, "metrics-test", ChunkerParams.DEFAULT, "none", 1));
            c.next(Message.Welcome.class);
            c.send(new Message.Changes(1, List.of(new Change.Upsert(file.manifest("metrics-f.bin", 0644, 1_000_000_000L)))));
            assertEquals(3, c.next(Message.Missing.class).chunks().size());

            PrometheusText waiting = scrape();
            assertEquals(1, waiting.value("ferry_store_watchers_connected"));
            assertEquals(1, waiting.value("ferry_store_pending_files"));
            assertEquals(1, waiting.value("ferry_store_pending_batches"));
            assertTrue(waiting.value("ferry_store_sync_lag_seconds") > 0, "a batch waits, so the store lags");
            JsonPath status = given().get(Endpoints.STATUS).then().statusCode(200).extract().jsonPath();
            assertEquals("metrics-test", status.getString("watchers[0].clientId"));
            assertEquals(1, status.getInt("pendingBatches"));

            given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(file.pieces())).post(Endpoints.CHUNK_BATCH)
                    .then().statusCode(200);
            given().contentType("application/octet-stream").body(a).put(Endpoints.CHUNKS + "/" + ChunkHash.compute(a, 0, a.length).hex())
                    .then().statusCode(200);
            c.next(Message.Ack.class);

            PrometheusText after = scrape();
            assertEquals(file.bytes().length + a.length, delta(before, after, "ferry_store_received_bytes_total"));
            assertEquals(a.length, delta(before, after, "ferry_store_deduplicated_bytes_total"));
            assertEquals(4, delta(before, after, "ferry_store_chunks_received_total"));
            assertEquals(1, delta(before, after, "ferry_store_chunks_deduplicated_total"));
            // Issue 12: the applied file holds its chunks in the mirror (the re-sent one too): no pack keeps them.
            assertEquals(0, delta(before, after, "ferry_store_chunks_stored"));
            assertEquals(0, delta(before, after, "ferry_store_stored_bytes"));
            assertEquals(1, delta(before, after, "ferry_store_entries_applied_total"));
            assertEquals(1, delta(before, after, "ferry_store_batches_received_total"));
            assertEquals(0, after.value("ferry_store_pending_files"));
            assertEquals(0, after.value("ferry_store_pending_batches"));
            assertEquals(0, after.value("ferry_store_sync_lag_seconds"));
            assertTrue(after.value("ferry_store_dest_free_bytes") > 0);
            assertTrue(after.value("ferry_store_last_applied_seconds") > 1.7e9);
            assertEquals("counter", after.type("ferry_store_received_bytes_total"));
            assertEquals("gauge", after.type("ferry_store_sync_lag_seconds"));

            status = given().get(Endpoints.STATUS).then().statusCode(200).extract().jsonPath();
            assertEquals("upsert", status.getString("recentChanges[0].op"));
            assertEquals("metrics-f.bin", status.getString("recentChanges[0].path"));
            assertEquals(0, status.getInt("pendingBatches"));
            assertTrue(status.getLong("mirrorBytes") >= file.bytes().length);
            assertTrue(status.getLong("diskFreeBytes") > 0);
        }
    }

    @Test
    void everyFerryMetricIsInTheOperationsGuide() throws Exception {
        String guide = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/OPERATIONS.md"));
        java.util.Set<String> names = scrape().names("ferry_");
        assertTrue(names.size() >= 15, names.toString());
        for (String name : names) {
            assertTrue(guide.contains("`" + name + "`"), name + " is not in docs/OPERATIONS.md");
        }
    }

    private static long delta(PrometheusText before, PrometheusText after, String name) {
        return Math.round(after.value(name) - before.value(name));
    }
}
