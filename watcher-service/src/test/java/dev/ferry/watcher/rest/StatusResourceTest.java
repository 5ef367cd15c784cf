package dev.ferry.watcher.rest;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The HTTP side before a watcher runs: status answers, liveness is up, readiness is down (not connected). */
@QuarkusTest
class StatusResourceTest {

    @Test
    void statusBeforeStart() {
        given().when().get("/status").then().statusCode(200)
                .body("state", equalTo("starting"))
                .body("connected", equalTo(false))
                .body("progress.filesToHash", equalTo(0))
                .body("progress.bytesUploaded", equalTo(0))
                .body("progress.etaSeconds", equalTo(0.0f));
    }

    @Test
    void metricsAreServedWithZerosBeforeStart() throws Exception {
        String text = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("ferry_watcher_uploaded_bytes_total 0.0"), text);
        org.junit.jupiter.api.Assertions.assertTrue(text.contains("ferry_watcher_files_queued 0.0"), text);
        String guide = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/OPERATIONS.md"));
        java.util.Set<String> names = new java.util.TreeSet<>();
        text.lines().filter(l -> l.startsWith("ferry_")).forEach(l -> names.add(l.split("[ {]")[0]));
        org.junit.jupiter.api.Assertions.assertTrue(names.size() >= 15, names.toString());
        for (String name : names) {
            org.junit.jupiter.api.Assertions.assertTrue(guide.contains("`" + name + "`"), name + " is not in docs/OPERATIONS.md");
        }
    }

    @Test
    void health() {
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(503);
    }
}
