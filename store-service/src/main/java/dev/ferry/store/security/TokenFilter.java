package dev.ferry.store.security;

import dev.ferry.store.config.StoreConfig;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * When {@code ferry.token} is set, refuses every HTTP request without {@code Authorization: Bearer TOKEN} with 401,
 * before any other route sees it: REST calls, metrics, OpenAPI and the WebSocket upgrade alike. Open: /q/health for
 * probes, and the status page's static shell ({@link #PAGE}), which holds no data: its script asks for the token
 * and sends it on every fetch of /api/v1/status.
 */
@Singleton
public class TokenFilter {
    private static final String BEARER = "Bearer ";
    private static final String HEALTH = "/q/health";
    /** The status page's files (META-INF/resources): HTML, script and style, no data. */
    static final java.util.Set<String> PAGE = java.util.Set.of("/", "/index.html", "/status.js", "/status.css");
    private static final String UNAUTHORIZED =
            "{\"error\":\"unauthorized\",\"message\":\"missing or wrong bearer token\"}";

    private final byte[] token;

    public TokenFilter(StoreConfig config) {
        this.token = config.token().filter(t -> !t.isEmpty()).map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    /** True when requests must carry the token. */
    public boolean required() {
        return token != null;
    }

    void register(@Observes Router router) {
        if (token != null) {
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

    boolean authorized(String header) {
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }
}
