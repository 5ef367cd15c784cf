package dev.ferry.watcher.store;

import dev.ferry.protocol.Endpoints;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which store addresses carry the token in clear across a network (the start-up warning). */
class StoreAddressTest {

    @Test
    void plainHttpOffThisMachineIsClearTextOnTheNetwork() {
        for (String url : new String[] {"http://store.example:9181", "http://10.0.0.5:9181", "HTTP://192.0.2.1",
                "http://[2001:db8::1]:9181", "http://127.0.0.1.example.com:9181"}) {
            assertTrue(StoreAddress.parse(url).cleartextToNetwork(), url);
        }
        for (String url : new String[] {"http://127.0.0.1:9181", "http://127.1.2.3:9181/", "http://localhost:9181",
                "http://[::1]:9181", "https://store.example:9181", "https://10.0.0.5"}) {
            assertFalse(StoreAddress.parse(url).cleartextToNetwork(), url);
        }
    }

    @Test
    void aNamedFolderIsOnEveryRequestAndNoFolderChangesNothing() {
        StoreAddress plain = StoreAddress.parse("https://store.example:9181/");
        assertEquals(URI.create("wss://store.example:9181/api/v1/sync"), plain.syncUri());
        assertEquals(URI.create("https://store.example:9181/api/v1/chunks/batch"), plain.chunkBatchUri());
        assertEquals(URI.create("https://store.example:9181/api/v1/chunks/missing"), plain.uri(Endpoints.CHUNK_MISSING));
        assertEquals(plain, plain.withFolder(Optional.of(" ")), "a blank folder is none");

        StoreAddress named = StoreAddress.parse("http://127.0.0.1:9181").withFolder(Optional.of("team-a.photos"));
        assertEquals(URI.create("ws://127.0.0.1:9181/api/v1/sync?folder=team-a.photos"), named.syncUri());
        assertEquals(URI.create("http://127.0.0.1:9181/api/v1/chunks/batch?folder=team-a.photos"), named.chunkBatchUri());
        assertEquals(URI.create("http://127.0.0.1:9181/api/v1/chunks/missing?folder=team-a.photos"),
                named.uri(Endpoints.CHUNK_MISSING));
        assertEquals(URI.create("http://127.0.0.1:9181/api/v1/versions?path=a&folder=team-a.photos"),
                named.uri("/api/v1/versions?path=a"));
    }
}
