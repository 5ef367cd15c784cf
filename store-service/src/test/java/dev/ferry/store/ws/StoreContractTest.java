package dev.ferry.store.ws;

import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.session.StoreContract;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

import java.net.URI;
import java.util.List;

import static io.restassured.RestAssured.given;

/**
 * The real store keeps the sync contract ({@link StoreContract}) over its WebSocket and its REST upload, in a DEST
 * of its own (the contract binds no source, but its reconciles empty the mirror).
 */
@QuarkusTest
@TestProfile(StoreContractTest.OwnDest.class)
class StoreContractTest extends StoreContract {
    /** A fresh DEST, not shared with the other tests of {@link TempDestProfile}. */
    public static class OwnDest extends TempDestProfile {
    }

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;

    @Override
    protected Connection connect() throws Exception {
        WsClient client = WsClient.connect(sync, null);
        return new Connection() {
            @Override
            public void send(Message message) throws Exception {
                client.send(message);
            }

            @Override
            public Message poll(long millis) throws Exception {
                return client.poll(millis);
            }

            @Override
            public void close() throws Exception {
                client.close();
            }
        };
    }

    @Override
    protected void upload(List<byte[]> chunks) {
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(chunks)).post(Endpoints.CHUNK_BATCH)
                .then().statusCode(200);
    }
}
