package dev.ferry.store.it;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.Wire;
import dev.ferry.store.TestData;
import dev.ferry.store.TokenProfile;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Black box against the packaged store (the jar, or the native executable with -Dnative), with a token: probes
 * stay open, everything else needs the token, chunks are stored, the WebSocket greets, metrics count it.
 */
@QuarkusIntegrationTest
@TestProfile(TokenProfile.class)
class StoreIT {
    private static final String AUTH = "Bearer " + TokenProfile.TOKEN;

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;

    @Test
    void probesNeedNoToken() {
        given().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/ready").then().statusCode(200)
                .body("checks.find { it.name == 'ferry-store-dest' }.data.writable", equalTo(true));
    }

    @Test
    void everythingElseNeedsTheToken() {
        for (String path : new String[] {Endpoints.STATUS, "/q/metrics", "/q/openapi"}) {
            given().get(path).then().statusCode(401);
            given().header("Authorization", AUTH).get(path).then().statusCode(200);
        }
    }

    @Test
    void chunksAreStoredAndCounted() {
        byte[] data = TestData.random(70_000);
        String url = Endpoints.CHUNKS + "/" + TestData.hash(data).hex();
        given().header("Authorization", AUTH).contentType("application/octet-stream").body(data).put(url)
                .then().statusCode(201).body("result", equalTo("stored"));
        given().header("Authorization", AUTH).head(url).then().statusCode(200);
        given().header("Authorization", AUTH).get(Endpoints.STATUS).then().statusCode(200)
                .body("chunksStored", greaterThanOrEqualTo(1)).body("storeId", notNullValue());
        String metrics = given().header("Authorization", AUTH).get("/q/metrics").then().statusCode(200).extract().asString();
        double received = metrics.lines().filter(l -> l.startsWith("ferry_store_received_bytes_total "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.indexOf(' ') + 1))).sum();
        assertTrue(received >= data.length, metrics);
    }

    @Test
    void theSyncWebSocketGreetsAWatcherWithTheToken() throws Exception {
        CompletableFuture<String> first = new CompletableFuture<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", AUTH)
                .buildAsync(URI.create(sync.toString().replaceFirst("^http", "ws")), new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            first.complete(text.toString());
                        }
                        socket.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        ws.sendText(Wire.encode(new Message.Hello(Message.VERSION, "store-it", ChunkerParams.DEFAULT, "none", 0)), true)
                .get(30, TimeUnit.SECONDS);
        Message answer = Wire.decode(first.get(30, TimeUnit.SECONDS));
        Message.Welcome welcome = assertInstanceOf(Message.Welcome.class, answer);
        assertEquals(ChunkerParams.DEFAULT, welcome.chunker());
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);
    }
}
