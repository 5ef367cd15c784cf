package dev.ferry.watcher.restore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Wire;
import dev.ferry.watcher.store.StoreAddress;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The store's version history over REST ({@code /api/v1/versions}, {@code /versions/tree}, {@code /chunks/{hash}}),
 * with the token and the folder parameter every request carries. Thread-safe.
 */
public final class VersionStore implements RemoteChunks {
    static final String VERSIONS = "/api/v1/versions";
    static final String TREE = "/api/v1/versions/tree";
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final StoreAddress store;
    private final Optional<String> token;
    private final HttpClient http;

    public VersionStore(StoreAddress store, Optional<String> token, SSLContext tls) {
        this.store = store;
        this.token = token.filter(t -> !t.isBlank());
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            client.sslContext(tls);
        }
        this.http = client.build();
    }

    public StoreAddress address() {
        return store;
    }

    /** {@code GET /api/v1/versions?path=P}: the current entry and the kept versions, newest first. */
    public JsonNode versions(String path) throws IOException, InterruptedException {
        HttpResponse<InputStream> answer = get(VERSIONS + "?path=" + encode(path));
        try (InputStream body = answer.body()) {
            return Wire.mapper().readTree(body);
        }
    }

    /**
     * {@code GET /api/v1/versions/tree?dir=D&at=T}: the entries of D as they stood at T, one manifest a line, read
     * as they arrive. The caller closes the stream.
     */
    public InputStream tree(String dir, Optional<Instant> at) throws IOException, InterruptedException {
        String query = TREE + "?dir=" + encode(dir) + at.map(t -> "&at=" + encode(RestoreTime.wire(t))).orElse("");
        return get(query).body();
    }

    @Override
    public byte[] get(ChunkHash hash, int length) throws IOException {
        HttpResponse<InputStream> answer;
        try {
            answer = get(Endpoints.CHUNKS + "/" + hash.hex());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching chunk " + hash.hex());
        }
        byte[] bytes;
        try (InputStream body = answer.body()) {
            bytes = body.readNBytes(length + 1);
        }
        if (bytes.length != length || !ChunkHash.compute(bytes, 0, bytes.length).equals(hash)) {
            throw new IOException("the store sent other bytes for chunk " + hash.hex() + " (" + bytes.length
                    + " bytes, " + length + " expected, or a different hash): refused");
        }
        return bytes;
    }

    /** The answer to a GET; any status but 200 is a {@link StoreRefusal} with the store's reason. */
    private HttpResponse<InputStream> get(String pathAndQuery) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(store.uri(pathAndQuery)).timeout(ANSWER_TIMEOUT).GET();
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<InputStream> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (answer.statusCode() == 200) {
            return answer;
        }
        String text;
        try (InputStream body = answer.body()) {
            text = new String(body.readNBytes(16 * 1024), StandardCharsets.UTF_8);
        }
        String code = "";
        String message = text.isBlank() ? "HTTP " + answer.statusCode() : text.strip();
        try {
            JsonNode json = Wire.mapper().readTree(text);
            if (json != null && json.isObject()) {
                code = json.path("error").asText("");
                message = json.hasNonNull("message") ? json.get("message").asText() : code.isEmpty() ? message : code;
            }
        } catch (IOException notJson) {
            // Plain text (a proxy, an old store): its first line is the reason.
        }
        int cut = message.indexOf('\n');
        throw new StoreRefusal(answer.statusCode(), code, cut < 0 ? message : message.substring(0, cut));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
