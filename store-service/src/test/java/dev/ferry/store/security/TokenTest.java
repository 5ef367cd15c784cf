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
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@TestProfile(TokenProfile.class)
class TokenTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    Router router;

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
    void malformedTokensAreRefusedEverywhere() {
        String good = "Bearer " + TokenProfile.TOKEN;
        List<String> bad = new ArrayList<>(List.of("", "Bearer", "Bearer ", "Bearer  " + TokenProfile.TOKEN,
                "Bearer " + TokenProfile.TOKEN + " extra", "Bearer " + TokenProfile.TOKEN + "x",
                "Bearer " + TokenProfile.TOKEN.substring(1), "Bearer " + TokenProfile.TOKEN.substring(0, 5),
                "Basic " + TokenProfile.TOKEN, "Token " + TokenProfile.TOKEN, TokenProfile.TOKEN,
                "Bearer s3cr\u00e9t-token", "Bearer " + "x".repeat(4000), "Bearer\t" + TokenProfile.TOKEN));
        for (String path : routes()) {
            given().when().get(path).then().statusCode(401).body("error", equalTo("unauthorized"));
            given().when().post(path).then().statusCode(401);
            given().header("Authorization", "Bearer wrong").when().put(path).then().statusCode(401);
            int status = given().header("Authorization", good).when().get(path).then().extract().statusCode();
            assertTrue(status != 401, path + " refused the right token");
        }
        for (String path : List.of(Endpoints.STATUS, Endpoints.SYNC, "/api/v1/anything-added-later")) {
            for (String header : bad) {
                given().header("Authorization", header).when().get(path).then()
                        .statusCode(401).body("error", equalTo("unauthorized"));
            }
        }
        given().header("Authorization", "bearer " + TokenProfile.TOKEN).get(Endpoints.STATUS).then().statusCode(200);
    }

    @Test
    void hugeHeadersAreRefusedBeforeAnyRoute() {
        given().header("Authorization", "Bearer " + "x".repeat(64 * 1024)).when().get(Endpoints.STATUS)
                .then().statusCode(431);
        given().header("Authorization", "Bearer " + TokenProfile.TOKEN).get(Endpoints.STATUS).then().statusCode(200);
    }

    /** Every route the store serves, plus made-up ones: the filter denies by default, so those get 401, not 404. */
    private List<String> routes() {
        List<String> paths = new ArrayList<>(List.of(Endpoints.STATUS, Endpoints.CHUNK_BATCH, Endpoints.CHUNK_MISSING,
                Endpoints.CHUNKS + "/" + "ab".repeat(32), Endpoints.SYNC, "/api", "/api/v1/anything-added-later",
                "/q/metrics", "/q/openapi", "/q/dev", "/q/healthz", "/q/health/../../api/v1/status", "/%2e%2e/etc",
                "/api/v1/status?x=1", "/API/V1/STATUS", "//api/v1/status"));
        for (Route r : router.getRoutes()) {
            String p = r.getPath();
            if (p != null && !p.startsWith("/q/health") && !TokenFilter.PAGE.contains(p)) {
                paths.add(p);
            }
        }
        return paths;
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
        for (String token : new String[] {null, "wrong"}) {
            IOException refused = assertThrows(IOException.class, () -> WsClient.connect(sync, token).close());
            assertTrue(causes(refused).contains("401 Unauthorized"), "token " + token + ": " + causes(refused));
        }
        try (WsClient c = WsClient.connect(sync, TokenProfile.TOKEN)) {
            c.send(new Message.Hello(Message.VERSION, "token-test", ChunkerParams.DEFAULT, "x", 0));
            c.next(Message.Welcome.class);
        }
    }

    /** The messages of an exception and its causes: the refused handshake's status is in one of them. */
    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
        }
        return all.toString();
    }
}
