package dev.ferry.watcher.it;

import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Black box against the packaged watcher (the jar, or the native executable with -Dnative): it scans and hashes
 * its source, then waits for a store that is not there; /status, /q/metrics and /q/health say exactly that.
 */
@QuarkusIntegrationTest
@TestProfile(WatcherProfile.class)
class WatcherIT {
    private static final long TOTAL = (long) WatcherProfile.FILES * WatcherProfile.FILE_BYTES;

    private static JsonPath awaitHashed() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            JsonPath status = given().get("/status").then().statusCode(200).extract().jsonPath();
            if (status.getLong("progress.bytesHashed") == TOTAL || System.nanoTime() > deadline) {
                return status;
            }
            Thread.sleep(100);
        }
    }

    @Test
    void statusShowsTheScannedSourceAndTheMissingStore() throws Exception {
        JsonPath status = awaitHashed();
        assertTrue(status.getString("source").endsWith("source"), status.prettify());
        assertEquals(false, status.getBoolean("connected"));
        assertEquals("disconnected", status.getString("state"));
        assertEquals(WatcherProfile.FILES, status.getInt("filesKnown"));
        assertEquals(TOTAL, status.getLong("bytesKnown"));
        assertEquals(WatcherProfile.FILES, status.getInt("progress.filesHashed"));
        assertEquals(WatcherProfile.FILES, status.getInt("progress.filesToHash"));
        assertEquals(TOTAL, status.getLong("progress.bytesToHash"));
        assertEquals(0, status.getLong("progress.bytesUploaded"));
    }

    @Test
    void metricsCountTheHashing() throws Exception {
        awaitHashed();
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(text.contains("ferry_watcher_hashed_bytes_total " + (double) TOTAL), text);
        assertTrue(text.contains("ferry_watcher_files_hashed_total " + (double) WatcherProfile.FILES), text);
        assertTrue(text.contains("ferry_watcher_source_files " + (double) WatcherProfile.FILES), text);
        assertTrue(text.contains("ferry_watcher_connected 0.0"), text);
    }

    @Test
    void liveButNotReadyWithoutAStore() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'store connection' }.data.store", startsWith("http://127.0.0.1:"));
    }
}
