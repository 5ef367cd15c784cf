package dev.ferry.watcher.store;

import dev.ferry.protocol.Endpoints;

import java.net.URI;
import java.util.Locale;

/** The store's base URL and the endpoints derived from it. */
public record StoreAddress(URI base) {

    public static StoreAddress parse(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return new StoreAddress(URI.create(trimmed));
    }

    /** ws(s)://HOST:PORT/api/v1/sync */
    public URI syncUri() {
        String scheme = base.getScheme().toLowerCase(Locale.ROOT).equals("https") ? "wss" : "ws";
        return URI.create(scheme + base.toString().substring(base.getScheme().length()) + Endpoints.SYNC);
    }

    /** http(s)://HOST:PORT/api/v1/chunks/batch */
    public URI chunkBatchUri() {
        return URI.create(base + Endpoints.CHUNK_BATCH);
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
