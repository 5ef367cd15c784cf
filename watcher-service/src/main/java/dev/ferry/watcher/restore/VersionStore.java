package dev.ferry.watcher.restore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.ProtocolException;
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
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The store's version history over REST ({@code /api/v1/versions}, {@code /versions/tree}, {@code /chunks/{hash}},
 * {@code /chunks/fetch}),
 * with the token and the folder parameter every request carries. Thread-safe.
 */
public final class VersionStore implements RemoteChunks {
    static final String VERSIONS = "/api/v1/versions";
    static final String TREE = "/api/v1/versions/tree";
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

    private final StoreAddress store;
    private final Optional<String> token;
    private final HttpClient http;
    /** The store answered 404/405 to a fetch: it has no fetch endpoint; single GETs only. */
    private volatile boolean noFetch;

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

    /**
     * {@code POST /api/v1/chunks/fetch}: the held chunks of {@code chunks} in one answer, each checked against the
     * hash and length asked for. A store without the endpoint (404, 405: one from before it) gives none, and is not
     * asked again: every chunk then comes through {@link #get}.
     */
    @Override
    public void fetch(List<ChunkRef> chunks, BiConsumer<ChunkHash, byte[]> found) throws IOException {
        if (chunks.isEmpty() || noFetch) {
            return;
        }
        Map<ChunkHash, Integer> asked = new HashMap<>();
        ArrayNode hexes = Wire.mapper().createArrayNode();
        int largest = 0;
        for (ChunkRef c : chunks) {
            asked.put(c.hash(), c.length());
            hexes.add(c.hash().hex());
            largest = Math.max(largest, c.length());
        }
        byte[] json = Wire.mapper().createObjectNode().set("chunks", hexes).toString().getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(store.uri(Endpoints.CHUNK_FETCH)).timeout(ANSWER_TIMEOUT)
                .header("Content-Type", "application/json").header("Accept", Endpoints.CHUNK_BATCH_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(json));
        HttpResponse<InputStream> answer;
        try {
            answer = send(request);
        } catch (StoreRefusal e) {
            if (e.status() == 404 || e.status() == 405) {
                noFetch = true;
                return;
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fetching " + chunks.size() + " chunks");
        }
        try (InputStream body = answer.body()) {
            ChunkBatchFormat.Reader records = new ChunkBatchFormat.Reader(body, largest);
            while (records.next()) {
                ChunkHash hash = records.hash();
                Integer length = asked.get(hash);
                if (length == null || length != records.length()
                        || !ChunkHash.compute(records.buffer(), 0, records.length()).equals(hash)) {
                    throw new IOException("the store sent other bytes for chunk " + hash.hex()
                            + " in a fetch answer (not asked for, or a different length or hash): refused");
                }
                found.accept(hash, Arrays.copyOf(records.buffer(), records.length()));
            }
        } catch (ProtocolException e) {
            throw new IOException("the store's chunk answer is broken: " + e.getMessage(), e);
        }
    }

    /** The answer to a GET; any status but 200 is a {@link StoreRefusal} with the store's reason. */
    private HttpResponse<InputStream> get(String pathAndQuery) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(store.uri(pathAndQuery)).timeout(ANSWER_TIMEOUT).GET());
    }

    /** Sends {@code request} with the token; any status but 200 is a {@link StoreRefusal} with the store's reason. */
    private HttpResponse<InputStream> send(HttpRequest.Builder request) throws IOException, InterruptedException {
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
