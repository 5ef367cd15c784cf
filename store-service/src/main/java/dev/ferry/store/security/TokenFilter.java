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
 * before any other route sees it: REST calls and the WebSocket upgrade alike. /q/health stays open for probes.
 */
@Singleton
public class TokenFilter {
    private static final String BEARER = "Bearer ";
    private static final String HEALTH = "/q/health";
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
        if (path.equals(HEALTH) || path.startsWith(HEALTH + "/") || authorized(rc.request().getHeader("Authorization"))) {
            rc.next();
            return;
        }
        rc.response().setStatusCode(401)
                .putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer")
                .end(UNAUTHORIZED);
    }

    boolean authorized(String header) {
        if (header == null || header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        byte[] given = header.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(token, given);
    }
}
