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
                .body("connected", equalTo(false));
    }

    @Test
    void health() {
        given().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(503);
    }
}
