package dev.ferry.store.security;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.store.config.StoreConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * When {@code ferry.token} is set, refuses every HTTP request without {@code Authorization: Bearer TOKEN} with 401,
 * before any other route sees it: default-deny for every path (REST, metrics, OpenAPI, the WebSocket upgrade, and
 * any route added later). Open: /q/health and below for probes, and GET/HEAD of the status page's static shell
 * ({@link #PAGE}), which holds no data: its script asks for the token and sends it on every fetch of
 * /api/v1/status. Also refuses to start the store on a non-loopback address without a token ({@link ListenGuard}),
 * before the HTTP server listens.
 */
@Singleton
public class TokenFilter {
    private static final String SCHEME = "Bearer ";
    private static final String HEALTH = "/q/health";
    /** The status page's files (META-INF/resources): HTML, script and style, no data. */
    static final java.util.Set<String> PAGE = java.util.Set.of("/", "/index.html", "/status.js", "/status.css");
    private static final String UNAUTHORIZED =
            "{\"error\":\"" + ErrorCode.UNAUTHORIZED.wire() + "\",\"message\":\"missing or wrong bearer token\"}";

    private final byte[] tokenDigest;
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
        this.host = host;
        this.allowNoToken = config.store().allowNoToken();
    }

    /** True when requests must carry the token. */
    public boolean required() {
        return tokenDigest != null;
    }

    void register(@Observes Router router) {
        String why = ListenGuard.listenProblem(host, required(), allowNoToken);
        if (why != null) {
            throw new ConfigurationException(why);
        }
        if (tokenDigest != null) {
            router.route().order(-1000).handler(this::check);
        }
    }

    void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        boolean open = path.equals(HEALTH) || path.startsWith(HEALTH + "/") || PAGE.contains(path) && isRead(rc);
        if (open || authorized(rc.request().getHeader("Authorization"))) {
            rc.next();
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
