package dev.ferry.store.folder;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A store of one folder (no ferry.store.folders): requests without folder= work as before, naming one is refused. */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class OneFolderRoutingTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;

    @Test
    void aRequestNamingAFolderIsRefused() throws Exception {
        given().get(Endpoints.STATUS).then().statusCode(200);
        given().get(Endpoints.FOLDERS).then().statusCode(200).body("folders", empty());
        given().get(Endpoints.STATUS + "?folder=a").then().statusCode(404).body("error", equalTo("no-such-folder"));
        given().head(Endpoints.CHUNKS + "/" + "00".repeat(32) + "?folder=a").then().statusCode(404);
        try (WsClient c = WsClient.connect(URI.create(sync + "?folder=a"), null)) {
            c.send(new Message.Hello(Message.VERSION, "named", ChunkerParams.DEFAULT, "x", 0));
            assertEquals("no-such-folder", c.next(Message.Error.class).code());
            assertTrue(c.awaitClosed());
            MultiFolderTest.assertClosedFor("no-such-folder", c.closeReason());
        }
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION, "one-folder", ChunkerParams.DEFAULT, "x", 0));
            c.next(Message.Welcome.class);
        }
    }
}
