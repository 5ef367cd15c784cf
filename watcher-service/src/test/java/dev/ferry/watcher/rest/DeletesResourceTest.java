package dev.ferry.watcher.rest;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** POST /api/v1/deletes/release: taken from a local client, refused to anything a web page can send. */
@QuarkusTest
class DeletesResourceTest {

    @Test
    void aJsonRequestWithoutAnOriginIsTaken() {
        given().contentType("application/json").body("{}").when().post("/api/v1/deletes/release").then()
                .statusCode(200).body("released", equalTo(0));
    }

    @Test
    void aRequestFromAWebPageIsRefused() {
        given().contentType("application/json").header("Origin", "http://evil.example").body("{}").when()
                .post("/api/v1/deletes/release").then().statusCode(403);
    }

    @Test
    void aSimpleCrossSiteFormPostIsRefused() {
        given().contentType("text/plain").body("x").when().post("/api/v1/deletes/release").then().statusCode(415);
        given().contentType("application/x-www-form-urlencoded").body("a=b").when().post("/api/v1/deletes/release")
                .then().statusCode(415);
    }

    @Test
    void statusHasNoHeldDeletionsBeforeStart() {
        given().when().get("/status").then().statusCode(200).body("deletesHeld", equalTo(0));
    }
}
