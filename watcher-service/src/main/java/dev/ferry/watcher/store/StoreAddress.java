package dev.ferry.watcher.store;

import dev.ferry.protocol.Endpoints;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The store's base URL and the endpoints derived from it.
 *
 * @param base   http(s)://HOST:PORT, without a trailing slash
 * @param folder the store folder this watcher syncs ({@code ferry.folder}); every request names it as the query
 *               parameter {@code folder=NAME}; empty: no parameter (the store's one unnamed folder)
 */
public record StoreAddress(URI base, Optional<String> folder) {

    public StoreAddress {
        folder = folder == null ? Optional.empty() : folder.filter(f -> !f.isBlank());
    }

    public StoreAddress(URI base) {
        this(base, Optional.empty());
    }

    public static StoreAddress parse(String url) {
        String trimmed = url.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return new StoreAddress(URI.create(trimmed));
    }

    /** The same store, naming {@code folder} on every request (empty: none). */
    public StoreAddress withFolder(Optional<String> name) {
        return new StoreAddress(base, name);
    }

    /** ws(s)://HOST:PORT/api/v1/sync[?folder=NAME] */
    public URI syncUri() {
        String scheme = base.getScheme().toLowerCase(Locale.ROOT).equals("https") ? "wss" : "ws";
        return URI.create(scheme + base.toString().substring(base.getScheme().length()) + Endpoints.SYNC + query(""));
    }

    /** http(s)://HOST:PORT/api/v1/chunks/batch[?folder=NAME] */
    public URI chunkBatchUri() {
        return uri(Endpoints.CHUNK_BATCH);
    }

    /** http(s)://HOST:PORT + {@code path} (which may carry its own query) + the folder parameter. */
    public URI uri(String path) {
        return URI.create(base + path + query(path.indexOf('?') >= 0 ? "&" : "?"));
    }

    private String query(String separator) {
        return folder.map(f -> (separator.isEmpty() ? "?" : separator) + "folder="
                + URLEncoder.encode(f, StandardCharsets.UTF_8)).orElse("");
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
