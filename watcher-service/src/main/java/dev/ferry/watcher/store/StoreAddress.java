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

    /**
     * True for a plain {@code http://} store that is not on this machine: a token sent there crosses the network
     * in clear. Host names other than localhost count as remote (they are not resolved here).
     */
    public boolean cleartextToNetwork() {
        if (!"http".equalsIgnoreCase(base.getScheme())) {
            return false;
        }
        String host = base.getHost() == null ? "" : base.getHost().toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return false;
        }
        if (host.matches("127(\\.[0-9]{1,3}){3}") || host.equals("::1") || host.matches("(0{1,4}:){7}0{0,3}1")) {
            return false;
        }
        return true;
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
