package dev.ferry.store.security;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import dev.ferry.store.TokenProfile;
import dev.ferry.store.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

@QuarkusTest
@TestProfile(TokenProfile.class)
class TokenTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;

    @Test
    void restNeedsTheToken() {
        given().get(Endpoints.STATUS).then().statusCode(401).body("error", equalTo("unauthorized"));
        given().header("Authorization", "Bearer wrong").get(Endpoints.STATUS).then().statusCode(401)
                .body("error", equalTo("unauthorized"));
        given().header("Authorization", "Basic " + TokenProfile.TOKEN).get(Endpoints.STATUS).then().statusCode(401);
        byte[] data = TestData.random(100);
        given().contentType("application/octet-stream").body(data)
                .put(Endpoints.CHUNKS + "/" + TestData.hash(data).hex()).then().statusCode(401);
        given().header("Authorization", "Bearer " + TokenProfile.TOKEN).get(Endpoints.STATUS).then().statusCode(200);
    }

    @Test
    void metricsAndOpenApiNeedTheToken() {
        for (String path : new String[] {"/q/metrics", "/q/openapi"}) {
            given().get(path).then().statusCode(401);
            given().header("Authorization", "Bearer wrong").get(path).then().statusCode(401);
            given().header("Authorization", "Bearer " + TokenProfile.TOKEN).get(path).then().statusCode(200);
        }
    }

    @Test
    void theStatusPageShellIsOpenButHoldsNoData() {
        String html = given().get("/").then().statusCode(200).contentType(containsString("text/html"))
                .header("Content-Security-Policy", containsString("default-src 'self'")).extract().asString();
        assertTrue(html.contains("status.js") && !html.contains("storeId") && !html.contains("test-dest"), html);
        given().get("/status.js").then().statusCode(200);
        given().get("/status.css").then().statusCode(200);
        given().post("/").then().statusCode(401);
        given().get("/index.html/../api/v1/status").then().statusCode(401);
    }

    @Test
    void healthStaysOpen() {
        given().get("/q/health").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void webSocketUpgradeNeedsTheToken() throws Exception {
        given().header("Connection", "Upgrade").header("Upgrade", "websocket").header("Sec-WebSocket-Version", "13")
                .header("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
                .get(Endpoints.SYNC).then().statusCode(401).body("error", equalTo("unauthorized"));
        assertThrows(Exception.class, () -> WsClient.connect(sync, null).close());
        assertThrows(Exception.class, () -> WsClient.connect(sync, "wrong").close());
        try (WsClient c = WsClient.connect(sync, TokenProfile.TOKEN)) {
            c.send(new Message.Hello(Message.VERSION, "token-test", ChunkerParams.DEFAULT, "x", 0));
            c.next(Message.Welcome.class);
        }
    }
}
