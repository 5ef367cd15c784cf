package dev.ferry.store.security;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.protocol.Endpoints;
import dev.ferry.store.folder.FolderSpec;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * When {@code ferry.token} is set, refuses every HTTP request without {@code Authorization: Bearer TOKEN} with 401,
 * before any other route sees it: default-deny for every path (REST, metrics, OpenAPI, the WebSocket upgrade, and
 * any route added later). Open: /q/health and below for probes, and GET/HEAD of the status page's static shell
 * ({@link #PAGE}), which holds no data: its script asks for the token and sends it on every fetch of
 * /api/v1/status. Also refuses to start the store on a non-loopback address without a token ({@link ListenGuard}),
 * before the HTTP server listens. A folder's token ({@code ferry.store.folder-tokens}) opens only requests naming
 * that folder ({@code folder=NAME}) and {@code GET /api/v1/folders}; anything else it carries gets 403
 * {@code wrong-folder}. {@code ferry.token} is the admin token: it opens everything.
 */
@Singleton
public class TokenFilter {
    private static final String SCHEME = "Bearer ";
    private static final String HEALTH = "/q/health";
    /** The status page's files (META-INF/resources): HTML, script and style, no data. */
    static final java.util.Set<String> PAGE = java.util.Set.of("/", "/index.html", "/status.js", "/status.css");
    private static final String UNAUTHORIZED =
            "{\"error\":\"" + ErrorCode.UNAUTHORIZED.wire() + "\",\"message\":\"missing or wrong bearer token\"}";

    private static final String WRONG_FOLDER = "{\"error\":\"" + ErrorCode.WRONG_FOLDER.wire()
            + "\",\"message\":\"this token opens only folder %s: name it with folder=%s\"}";

    private final byte[] tokenDigest;
    /** Folder name -> SHA-256 of its token ({@code ferry.store.folder-tokens}). */
    private final Map<String, byte[]> folderDigests = new LinkedHashMap<>();
    private final String host;
    private final boolean allowNoToken;

    public TokenFilter(StoreConfig config, @ConfigProperty(name = "quarkus.http.host") String host) {
        String token = config.token().filter(t -> !t.isEmpty()).orElse(null);
        String why = ListenGuard.tokenProblem(token);
        if (why == null) {
            why = ListenGuard.weakTokenProblem(token, host);
        }
        if (why != null) {
            throw new ConfigurationException(why);
        }
        this.tokenDigest = token == null ? null : sha256(token.getBytes(StandardCharsets.US_ASCII));
        Map<String, String> folderTokens;
        try {
            folderTokens = FolderSpec.parseTokens(config.store().folderTokens().orElse(List.of()),
                    FolderSpec.names(config.store().folders().orElse(List.of())));
        } catch (FolderSpec.BadSetting e) {
            throw new ConfigurationException(e.getMessage());
        }
        for (Map.Entry<String, String> e : folderTokens.entrySet()) {
            String problem = ListenGuard.tokenProblem(e.getValue());
            if (problem == null) {
                problem = ListenGuard.weakTokenProblem(e.getValue(), host);
            }
            if (problem != null) {
                throw new ConfigurationException(problem.replace("FERRY_TOKEN", "the token of folder " + e.getKey()
                        + " (FERRY_STORE_FOLDER_TOKENS)"));
            }
            folderDigests.put(e.getKey(), sha256(e.getValue().getBytes(StandardCharsets.US_ASCII)));
        }
        this.host = host;
        this.allowNoToken = config.store().allowNoToken();
    }

    /** True when requests must carry a token: the admin token or a folder's. */
    public boolean required() {
        return tokenDigest != null || !folderDigests.isEmpty();
    }

    void register(@Observes Router router) {
        String why = ListenGuard.listenProblem(host, required(), allowNoToken);
        if (why != null) {
            throw new ConfigurationException(why);
        }
        if (required()) {
            router.route().order(-1000).handler(this::check);
        }
    }

    void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        boolean open = path.equals(HEALTH) || path.startsWith(HEALTH + "/") || PAGE.contains(path) && isRead(rc);
        String header = rc.request().getHeader("Authorization");
        if (open || authorized(header)) {
            rc.next();
            return;
        }
        String folder = folderOf(header);
        if (folder != null) {
            List<String> named = rc.queryParams().getAll(Endpoints.FOLDER_PARAM);
            boolean own = named.size() == 1 && named.get(0).equals(folder);
            if (own || named.isEmpty() && path.equals(Endpoints.FOLDERS)) {
                rc.next();
                return;
            }
            rc.response().setStatusCode(403)
                    .putHeader("Content-Type", "application/json")
                    .end(String.format(WRONG_FOLDER, folder, folder));
            return;
        }
        rc.response().setStatusCode(401)
                .putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer")
                .end(UNAUTHORIZED);
    }

    private static boolean isRead(RoutingContext rc) {
        io.vertx.core.http.HttpMethod m = rc.request().method();
        return m == io.vertx.core.http.HttpMethod.GET || m == io.vertx.core.http.HttpMethod.HEAD;
    }

    /**
     * True for exactly {@code Bearer <token>} (scheme in any case, one space, nothing else). Both sides are hashed
     * first, so the comparison takes the same time whatever the given value's length or content.
     */
    boolean authorized(String header) {
        return tokenDigest != null && matches(header, tokenDigest);
    }

    /**
     * The folder whose token {@code header} carries ({@code ferry.store.folder-tokens}), or null: no folder token
     * (the admin token, none, or a wrong one).
     */
    public String folderOf(String header) {
        for (Map.Entry<String, byte[]> e : folderDigests.entrySet()) {
            if (matches(header, e.getValue())) {
                return e.getKey();
            }
        }
        return null;
    }

    private static boolean matches(String header, byte[] tokenDigest) {
        if (header == null || header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        byte[] given = sha256(header.substring(SCHEME.length()).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(tokenDigest, given);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
