package dev.ferry.watcher.dryrun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Wire;
import dev.ferry.watcher.store.StoreAddress;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Asks the store which chunks it lacks ({@code POST /api/v1/chunks/missing}, read-only): what a sync would upload.
 * Built on Jackson's tree model, so it needs no reflection registered for a native build.
 */
final class MissingChunks {
    /** Hashes per request, well under the store's max-batch-items (10,000 by default). */
    static final int PER_REQUEST = 1000;

    private final HttpClient http;
    private final URI uri;
    private final Optional<String> token;
    private final Duration timeout;

    MissingChunks(StoreAddress store, Optional<String> token, SSLContext tls, Duration timeout) {
        HttpClient.Builder client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout);
        if (tls != null) {
            client.sslContext(tls);
        }
        this.http = client.build();
        this.uri = store.uri(Endpoints.CHUNK_MISSING);
        this.token = token.filter(t -> !t.isBlank());
        this.timeout = timeout;
    }

    /** The hashes of {@code wanted} the store does not hold. */
    Set<ChunkHash> lacking(List<ChunkHash> wanted) throws IOException, InterruptedException {
        Set<ChunkHash> lacking = new HashSet<>();
        for (int from = 0; from < wanted.size(); from += PER_REQUEST) {
            List<ChunkHash> part = wanted.subList(from, Math.min(wanted.size(), from + PER_REQUEST));
            ObjectNode body = Wire.mapper().createObjectNode();
            ArrayNode hashes = body.putArray("chunks");
            for (ChunkHash h : part) {
                hashes.add(h.hex());
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Wire.mapper().writeValueAsString(body)));
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IOException("the store answered " + response.statusCode() + " to " + Endpoints.CHUNK_MISSING);
            }
            JsonNode missing = Wire.mapper().readTree(response.body()).path("missing");
            List<ChunkHash> got = new ArrayList<>();
            for (JsonNode h : missing) {
                got.add(ChunkHash.parse(h.asText()));
            }
            lacking.addAll(got);
        }
        return lacking;
    }
}
