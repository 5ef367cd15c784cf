package dev.ferry.store.health;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

/** What a probe sees when the disk of DEST is (by configuration) too full: live, not ready, and why. */
@QuarkusTest
@TestProfile(DiskFullProfile.class)
class HealthEndpointTest {
    @jakarta.inject.Inject
    dev.ferry.store.storage.StoreLayout layout;

    @Test
    void liveButNotReadyWithTheReasonInTheJson() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("ferry-store"));
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'ferry-store-dest' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'ferry-store-dest' }.data.error", containsString("nearly full"))
                .body("checks.find { it.name == 'ferry-store-dest' }.data.writable", equalTo(true))
                .body(not(containsString(layout.dest().getFileName().toString())))
                .body(not(containsString("ferry-store-test-")));
    }
}
