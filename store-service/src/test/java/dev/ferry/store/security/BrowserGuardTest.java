package dev.ferry.store.security;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.StoreStats;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A token-less store on loopback (the quick start) against what a web page in the user's browser can send: its
 * WebSocket (with the page's Origin), a cross-site form POST, and DNS rebinding (a foreign Host that resolves to
 * 127.0.0.1). All are refused before anything runs; the watcher's own requests still pass.
 */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class BrowserGuardTest {
    private static final String EVIL = "http://evil.example";

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    StoreStats stats;

    @Test
    void aPageCannotOpenTheSyncSocket() throws Exception {
        String kept = "browser-guard-kept";
        try (WsClient watcher = WsClient.connect(sync, null)) {
            watcher.send(new Message.Hello(Message.VERSION, "real-watcher", ChunkerParams.DEFAULT, "x", 0));
            watcher.next(Message.Welcome.class);
            watcher.send(new Message.Changes(1, List.of(new Change.Upsert(Manifest.directory(kept, 0755, 1_000_000_000L)))));
            watcher.next(Message.Missing.class);
            assertEquals(1, watcher.next(Message.Ack.class).batch());
        }
        // What the page would do: open the socket, say hello and send an empty index, which would empty the mirror.
        for (Map<String, String> page : List.of(Map.of("Origin", EVIL), Map.of("Origin", "null"),
                Map.of("Sec-Fetch-Site", "cross-site"), Map.of("Origin", "http://localhost.evil.example"))) {
            assertThrows(Exception.class, () -> {
                try (WsClient evil = WsClient.connect(sync, null, page)) {
                    evil.send(new Message.Hello(Message.VERSION, "page", ChunkerParams.DEFAULT, "x", 0));
                    evil.send(new Message.IndexBatch(List.of(), true));
                    evil.nextAny();
                }
            }, "the store accepted a WebSocket with " + page);
            assertEquals(403, rawStatus("GET", Endpoints.SYNC, "localhost:" + sync.getPort(), upgrade(page)), "upgrade with " + page);
        }
        assertTrue(Files.isDirectory(layout.dest().resolve(kept), LinkOption.NOFOLLOW_LINKS), "the mirror lost " + kept);
        assertNotNull(index.get(kept));
    }

    @Test
    void aCrossSitePostCannotRepairOrUpload() throws Exception {
        long runs = stats.verifyRuns();
        given().header("Origin", EVIL).post(Endpoints.VERIFY + "?repair=true").then().statusCode(403)
                .body("error", equalTo("forbidden"));
        given().header("Sec-Fetch-Site", "same-site").post(Endpoints.VERIFY + "?repair=true").then().statusCode(403);
        // A form or text body is a "simple" request a page may send anywhere without asking first.
        String host = "localhost:" + sync.getPort();
        byte[] data = "a=b".getBytes(StandardCharsets.US_ASCII);
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "TEXT/PLAIN;charset=UTF-8")) {
            String form = "Content-Type: " + type + "\r\nContent-Length: 3\r\n";
            assertEquals(415, rawStatus("POST", Endpoints.VERIFY + "?repair=true", host, form, "a=b"), type);
            assertEquals(415, rawStatus("PUT", Endpoints.CHUNKS + "/" + TestData.hash(data).hex(), host, form, "a=b"), type);
        }
        assertEquals(runs, stats.verifyRuns(), "a refused request ran the integrity check");
    }

    @Test
    void aRebindingHostIsRefused() throws Exception {
        int port = sync.getPort();
        for (String host : List.of("evil.example:" + port, "evil.example", "127.0.0.1.nip.io:" + port,
                "localhost.evil.example:" + port, "")) {
            for (String path : List.of(Endpoints.STATUS, "/q/metrics", "/", Endpoints.VERIFY)) {
                assertEquals(403, rawStatus("GET", path, host, ""), path + " with Host " + host);
            }
            assertEquals(403, rawStatus("GET", Endpoints.SYNC, host, upgrade(Map.of())), "upgrade with Host " + host);
            assertEquals(200, rawStatus("GET", "/q/health/live", host, ""), "health with Host " + host);
        }
    }

    @Test
    void theWatchersOwnRequestsPass() throws Exception {
        int port = sync.getPort();
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "127.0.0.1", "[::1]:" + port, "LOCALHOST:" + port)) {
            assertEquals(200, rawStatus("GET", Endpoints.STATUS, host, ""), "Host " + host);
        }
        // The status page's own fetches: same origin (rest-assured's base URI is this store).
        given().header("Origin", io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port)
                .get(Endpoints.STATUS).then().statusCode(200);
        given().header("Sec-Fetch-Site", "same-origin").get(Endpoints.STATUS).then().statusCode(200);
        byte[] data = TestData.random(100);
        given().contentType("application/octet-stream").body(data).put(Endpoints.CHUNKS + "/" + TestData.hash(data).hex())
                .then().statusCode(org.hamcrest.Matchers.lessThan(300));
        // Java's HttpClient (the watcher's uploader) upgrades to HTTP/2, where the host comes as :authority.
        java.net.http.HttpResponse<Void> r = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(URI.create("http://127.0.0.1:" + port + Endpoints.STATUS)).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertEquals(200, r.statusCode(), "HTTP " + r.version());
        // curl -X POST: no body, no Content-Type.
        assertEquals(200, rawStatus("POST", Endpoints.VERIFY, "127.0.0.1:" + port, "Content-Length: 0\r\n"));
        try (WsClient watcher = WsClient.connect(sync, null)) {
            watcher.send(new Message.Hello(Message.VERSION, "real-watcher-2", ChunkerParams.DEFAULT, "x", 0));
            watcher.next(Message.Welcome.class);
        }
    }

    private static String upgrade(Map<String, String> extra) {
        StringBuilder b = new StringBuilder("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
        extra.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        return b.toString();
    }

    /** Sends one request as a browser would put it on the wire, with exactly this Host; returns the status code. */
    private int rawStatus(String method, String path, String host, String headers) throws Exception {
        return rawStatus(method, path, host, headers, "");
    }

    private int rawStatus(String method, String path, String host, String headers, String body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", sync.getPort())) {
            s.setSoTimeout(15_000);
            OutputStream out = s.getOutputStream();
            out.write((method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + headers
                    + (headers.contains("Upgrade") ? "" : "Connection: close\r\n") + "\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            String[] parts = line.toString().split(" ");
            assertTrue(parts.length >= 2, "no status line: " + line);
            return Integer.parseInt(parts[1]);
        }
    }
}
