package dev.ferry.watcher.rest;

import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.control.PauseFile;
import dev.ferry.watcher.runtime.WatcherRuntime;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control endpoints of a running watcher (its store is not there, so it keeps retrying): pause and resume, the
 * bandwidth limit shown and changed live, what /status says of them, and every form of a web page's request refused
 * without effect.
 */
@QuarkusTest
@TestProfile(ControlResourceTest.Running.class)
class ControlResourceTest {
    static final Path ROOT;

    static {
        try {
            ROOT = Files.createTempDirectory("ferry-control-test-");
            Files.createDirectories(ROOT.resolve("source"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A watcher started with a 1M limit and its state folder where the test can look. */
    public static class Running implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("ferry.watcher.state-dir", ROOT.resolve("state").toString(), "ferry.watcher.bwlimit", "1M");
        }
    }

    @Inject
    WatcherRuntime runtime;

    @Inject
    dev.ferry.watcher.config.FerryConfig config;

    @BeforeEach
    void startAndResume() {
        assertEquals(WatcherRuntime.EXIT_OK, runtime.start(new Arguments(ROOT.resolve("source"),
                Optional.of("http://127.0.0.1:9"), false, false)));
        runtime.resume();
    }

    @Test
    void pauseAndResumeAreKeptInTheStateFolderAndShownInStatus() {
        // The profile runs in another class loader (its ROOT is another folder): ask the configuration.
        Path file = config.watcher().stateDir().orElseThrow().resolve(PauseFile.FILE);
        given().contentType("application/json").body("{}").post("/api/v1/pause").then().statusCode(200)
                .body("paused", equalTo(true)).body("changed", equalTo(true));
        assertTrue(Files.exists(file), "a restart stays paused");
        given().get("/status").then().statusCode(200).body("paused", equalTo(true)).body("state", equalTo("paused"));
        given().contentType("application/json").body("{}").post("/api/v1/pause").then().statusCode(200)
                .body("changed", equalTo(false));

        given().contentType("application/json").body("{}").post("/api/v1/resume").then().statusCode(200)
                .body("paused", equalTo(false)).body("changed", equalTo(true));
        assertFalse(Files.exists(file));
        given().get("/status").then().statusCode(200).body("paused", equalTo(false)).body("pausedSince", equalTo(null));
    }

    @Test
    void bwlimitIsShownAndChangedLive() {
        given().get("/api/v1/bwlimit").then().statusCode(200).body("rate", equalTo("1M"))
                .body("bytesPerSecond", equalTo(1048576));
        given().contentType("application/json").body("{\"rate\":\"2.5M\"}").put("/api/v1/bwlimit").then()
                .statusCode(200).body("text", equalTo("2.5 MiB/s")).body("was", equalTo("1M"));
        given().get("/status").then().statusCode(200).body("bwlimit", equalTo("2560K"))
                .body("bwlimitBytesPerSecond", equalTo(2621440));
        given().contentType("application/json").body("{\"rate\":\"fast\"}").put("/api/v1/bwlimit").then()
                .statusCode(400).body("error", equalTo("bad-rate"));
        given().contentType("application/json").body("{\"rate\":\"1M\"}").put("/api/v1/bwlimit").then()
                .statusCode(200);
        assertEquals(1048576, runtime.bwlimit().orElseThrow().bytesPerSecond());
    }

    @Test
    void aWebPageCanNeitherPauseNorChangeTheLimit() {
        given().contentType("application/json").header("Origin", "http://evil.example").body("{}")
                .post("/api/v1/pause").then().statusCode(403);
        given().contentType("application/json").header("Sec-Fetch-Site", "cross-site").body("{}")
                .post("/api/v1/pause").then().statusCode(403);
        given().contentType("application/json").header("Sec-Fetch-Site", "same-site").body("{}")
                .post("/api/v1/pause").then().statusCode(403);
        given().contentType("text/plain").body("{}").post("/api/v1/pause").then().statusCode(415);
        given().contentType("application/x-www-form-urlencoded").body("a=b").post("/api/v1/pause").then().statusCode(415);
        given().contentType("multipart/form-data; boundary=x").body("--x--".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).post("/api/v1/pause").then().statusCode(415);
        given().post("/api/v1/pause").then().statusCode(415);
        // DNS rebinding: a page at evil.example resolving to 127.0.0.1 is same-origin, its Host is not loopback.
        given().contentType("application/json").header("Host", "evil.example:9182")
                .header("Origin", "http://evil.example:9182").body("{}").post("/api/v1/pause").then().statusCode(403);
        assertTrue(runtime.status().orElseThrow().pausedSince() == null, "none of them paused the watcher");

        given().contentType("application/json").header("Origin", "http://evil.example").body("{\"rate\":\"1K\"}")
                .put("/api/v1/bwlimit").then().statusCode(403);
        given().contentType("application/json").header("Origin", "http://evil.example").body("{}")
                .post("/api/v1/deletes/release").then().statusCode(403);
        given().header("Origin", "http://evil.example").get("/status").then().statusCode(403);
        assertEquals(1048576, runtime.bwlimit().orElseThrow().bytesPerSecond(), "the limit is unchanged");
        // The CLI's own requests pass.
        given().contentType("application/json").body("{}").post("/api/v1/resume").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
