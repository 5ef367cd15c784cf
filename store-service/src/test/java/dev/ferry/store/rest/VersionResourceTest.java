package dev.ferry.store.rest;

import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Wire;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.metrics.PrometheusText;
import dev.ferry.store.sync.ChunkCollector;
import dev.ferry.store.sync.VersionPruner;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The version endpoints over HTTP, on a store whose history is on (the default, {@code staggered}). */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class VersionResourceTest {
    @Inject
    MirrorIndex index;
    @Inject
    ChunkStore chunks;
    @Inject
    Materializer materializer;
    @Inject
    ApplyExecutor apply;
    @Inject
    ChunkCollector collector;
    @Inject
    VersionPruner pruner;

    final AtomicLong clock = new AtomicLong();

    @AfterEach
    void realClock() {
        index.versions().clockForTests(System::currentTimeMillis);
    }

    private static long at(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    /** Applies {@code m} on the apply thread at {@code iso}, as a session does. */
    private void apply(String iso, Manifest m, TestData.FileData data) throws Exception {
        clock.set(at(iso));
        apply.call(() -> {
            if (data != null) {
                for (byte[] p : data.pieces()) {
                    chunks.put(TestData.hash(p), p, 0, p.length);
                }
            }
            materializer.apply(m);
            index.put(m);
            materializer.recorded(m);
            materializer.commitChunks();
            return null;
        });
    }

    @Test
    void listsRestoresAndRebuildsWhatWasReplacedAndDeleted() throws Exception {
        index.versions().clockForTests(clock::get);
        String dir = "vr-" + UUID.randomUUID();
        String path = dir + "/f.txt";
        apply("2026-12-07T10:00:00Z", Manifest.directory(dir, 0755, 1_000_000_000L), null);
        TestData.FileData v1 = TestData.file(40_000, 16_000);
        apply("2026-12-07T10:00:00Z", v1.manifest(path, 0644, 1_500_000_000_123_456_789L), v1);
        TestData.FileData v2 = TestData.file(20_000, 16_000);
        apply("2026-12-07T11:00:00Z", v2.manifest(path, 0600, 1_600_000_000_000_000_000L), v2);
        clock.set(at("2026-12-07T12:00:00Z"));
        apply.call(() -> {
            materializer.delete(path);
            index.remove(path);
            materializer.commitChunks();
            return null;
        });
        // A garbage collection with no grace period: the kept versions' chunks are in no pack, nothing to take.
        collector.collect(Duration.ZERO);

        given().queryParam("path", path).get(Endpoints.VERSIONS).then().statusCode(200)
                .body("path", equalTo(path))
                .body("current", nullValue())
                .body("versions", hasSize(2))
                .body("versions[0].reason", equalTo("deleted"))
                .body("versions[0].from", equalTo("2026-12-07T11:00:00.000Z"))
                .body("versions[0].to", equalTo("2026-12-07T12:00:00.000Z"))
                .body("versions[0].size", equalTo(20_000))
                .body("versions[1].reason", equalTo("modified"))
                .body("versions[1].type", equalTo("file"))
                .body("versions[1].mode", equalTo(0644))
                .body("versions[1].from", equalTo("2026-12-07T10:00:00.000Z"));
        given().queryParam("path", dir).get(Endpoints.VERSIONS).then().statusCode(200)
                .body("current.type", equalTo("dir")).body("current.since", equalTo("2026-12-07T10:00:00.000Z"))
                .body("versions", hasSize(0));

        Response one = given().queryParam("path", path).queryParam("at", "2026-12-07T10:30:00.000Z")
                .get(Endpoints.VERSIONS_FILE);
        assertEquals(200, one.statusCode());
        assertArrayEquals(v1.bytes(), one.asByteArray());
        assertEquals("644", one.header("X-Ferry-Mode"));
        assertEquals(1_500_000_000_123_456_789L, nanos(Instant.parse(one.header("X-Ferry-Mtime"))));
        assertArrayEquals(v2.bytes(), given().queryParam("path", path).queryParam("at", "2026-12-07T11:59:59.999Z")
                .get(Endpoints.VERSIONS_FILE).then().statusCode(200).extract().asByteArray());
        given().queryParam("path", path).queryParam("at", "2026-12-07T12:00:00.000Z").get(Endpoints.VERSIONS_FILE)
                .then().statusCode(404).body("error", equalTo("not-found"));

        String tree = given().queryParam("dir", dir).queryParam("at", "2026-12-07T10:30:00Z")
                .get(Endpoints.VERSIONS_TREE).then().statusCode(200).contentType("application/x-ndjson")
                .extract().asString();
        List<Manifest> lines = tree.lines().map(l -> {
            try {
                return Wire.mapper().readValue(l, Manifest.class);
            } catch (Exception e) {
                throw new AssertionError(l, e);
            }
        }).toList();
        assertEquals(List.of(Manifest.directory(dir, 0755, 1_000_000_000L),
                v1.manifest(path, 0644, 1_500_000_000_123_456_789L)), lines);
        given().queryParam("dir", dir).queryParam("at", "2026-12-07T09:00:00Z").get(Endpoints.VERSIONS_TREE)
                .then().statusCode(404).body("error", equalTo("not-found"));

        byte[] chunk = given().get(Endpoints.CHUNKS + "/" + v1.chunks().get(0).hash().hex()).then().statusCode(200)
                .extract().asByteArray();
        assertArrayEquals(v1.pieces().get(0), chunk, "a deleted version's chunk is served, verified");

        given().get(Endpoints.STATUS).then().statusCode(200)
                .body("versions.count", greaterThanOrEqualTo(2))
                .body("versions.bytes", greaterThanOrEqualTo(60_000))
                .body("versions.budgetBytes", greaterThan(0L));
    }

    @Test
    void theNewestVersionsOfTheFolderAreListedAndCountedInTheMetrics() throws Exception {
        index.versions().clockForTests(clock::get);
        PrometheusText before = scrape();
        String dir = "recent-" + UUID.randomUUID();
        String path = dir + "/gone.txt";
        apply("2020-01-01T10:00:00Z", Manifest.directory(dir, 0755, 1_000_000_000L), null);
        TestData.FileData v1 = TestData.file(30_000, 16_000);
        apply("2020-01-01T10:00:00Z", v1.manifest(path, 0644, 1_500_000_000_000_000_000L), v1);
        TestData.FileData v2 = TestData.file(12_000, 16_000);
        apply("2020-01-01T11:00:00Z", v2.manifest(path, 0644, 1_600_000_000_000_000_000L), v2);
        clock.set(at("2020-01-01T12:00:00Z"));
        apply.call(() -> {
            materializer.delete(dir);
            index.remove(path);
            index.remove(dir);
            materializer.commitChunks();
            return null;
        });

        // Newest first, across paths: the folder's delete (the dir and the file's last content), then the edit.
        given().queryParam("limit", 3).get(Endpoints.VERSIONS_RECENT).then().statusCode(200)
                .body("versions", hasSize(3))
                .body("versions.path", hasItems(dir, path))
                .body("versions.find { it.path == '" + path + "' && it.reason == 'deleted' }.size", equalTo(12_000))
                .body("versions.find { it.path == '" + path + "' && it.reason == 'deleted' }.from",
                        equalTo("2020-01-01T11:00:00.000Z"))
                .body("versions.find { it.path == '" + path + "' && it.reason == 'deleted' }.to",
                        equalTo("2020-01-01T12:00:00.000Z"))
                .body("versions.find { it.path == '" + dir + "' }.type", equalTo("dir"))
                .body("versions[2].path", equalTo(path))
                .body("versions[2].reason", equalTo("modified"))
                .body("versions[2].type", equalTo("file"))
                .body("versions[2].size", equalTo(30_000))
                .body("versions[2].from", equalTo("2020-01-01T10:00:00.000Z"))
                .body("versions[2].to", equalTo("2020-01-01T11:00:00.000Z"));
        given().queryParam("limit", 1).get(Endpoints.VERSIONS_RECENT).then().statusCode(200)
                .body("versions", hasSize(1)).body("versions[0].to", equalTo("2020-01-01T12:00:00.000Z"));
        given().get(Endpoints.VERSIONS_RECENT).then().statusCode(200).body("versions.size()", greaterThanOrEqualTo(3));
        for (String bad : List.of("0", "1001", "-1", "many")) {
            given().queryParam("limit", bad).get(Endpoints.VERSIONS_RECENT).then().statusCode(400)
                    .body("error", equalTo("bad-request"));
        }

        PrometheusText kept = scrape();
        assertEquals(3, delta(before, kept, "ferry_store_versions"));
        assertEquals(30_000 + 12_000, delta(before, kept, "ferry_store_versions_bytes"));
        assertEquals("gauge", kept.type("ferry_store_versions"));
        assertEquals("gauge", kept.type("ferry_store_versions_bytes"));
        assertEquals("counter", kept.type("ferry_store_versions_pruned_total"));

        // Retention: versions from 2020 are past the maximum age (365 days) on 2026-12-07.
        clock.set(at("2026-12-07T13:00:00Z"));
        VersionPruner.Report report = pruner.prune();
        assertTrue(report.expired() >= 3, "the 2020 versions expired: " + report);
        PrometheusText pruned = scrape();
        assertEquals(report.removed(), delta(kept, pruned, "ferry_store_versions_pruned_total"));
        assertEquals(-report.removed(), delta(kept, pruned, "ferry_store_versions"));
        assertTrue(delta(kept, pruned, "ferry_store_versions_bytes") <= -(30_000 + 12_000));
        given().queryParam("limit", 1000).get(Endpoints.VERSIONS_RECENT).then().statusCode(200)
                .body("versions.path", not(hasItems(path)));
    }

    private static PrometheusText scrape() {
        return new PrometheusText(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    private static double delta(PrometheusText before, PrometheusText after, String name) {
        return after.value(name) - before.value(name);
    }

    @Test
    void refusesBadInput() {
        given().queryParam("path", "../etc/passwd").get(Endpoints.VERSIONS).then().statusCode(400)
                .body("error", equalTo("bad-path"));
        given().get(Endpoints.VERSIONS).then().statusCode(400).body("error", equalTo("bad-path"));
        given().queryParam("path", "never-" + UUID.randomUUID()).get(Endpoints.VERSIONS).then().statusCode(404)
                .body("error", equalTo("not-found"));
        given().queryParam("dir", "").queryParam("at", "yesterday").get(Endpoints.VERSIONS_TREE).then().statusCode(400)
                .body("error", equalTo("bad-time"));
        given().queryParam("path", ".ferry/state.mv.db").get(Endpoints.VERSIONS_FILE).then().statusCode(400);
        given().get(Endpoints.CHUNKS + "/" + TestData.hash(TestData.random(10)).hex()).then().statusCode(404)
                .body("error", equalTo("not-found"));
        given().get(Endpoints.CHUNKS + "/nothex").then().statusCode(400).body("error", equalTo("bad-hash"));
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
