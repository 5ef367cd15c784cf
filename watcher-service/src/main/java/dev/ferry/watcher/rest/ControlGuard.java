package dev.ferry.watcher.rest;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.BrowserRequests;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps web pages in the user's browser from driving the watcher (pause, resume, bwlimit, deletes/release), with the
 * store's rules ({@link BrowserRequests}): on every route but /q/health, a foreign {@code Origin} or a cross-site
 * {@code Sec-Fetch-Site} gets 403; a POST, PUT, DELETE or PATCH must also name a loopback host or the listen address
 * (no DNS-rebound name) and carry JSON (else 415). Reads (GET /status, /q/metrics) stay open to any Host, so a probe
 * in another container can still read them.
 */
@Singleton
public class ControlGuard {
    private static final Logger LOG = Logger.getLogger(ControlGuard.class);
    private static final String HEALTH = "/q/health";
    /** Before every other handler, as the store's guard. */
    static final int ORDER = -1100;

    private final String listenHost;

    public ControlGuard(@ConfigProperty(name = "quarkus.http.host") String listenHost) {
        this.listenHost = BrowserRequests.hostOnly(listenHost);
    }

    void register(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    void check(RoutingContext rc) {
        String path = rc.normalizedPath();
        if (path.equals(HEALTH) || path.startsWith(HEALTH + "/")) {
            rc.next();
            return;
        }
        HttpServerRequest req = rc.request();
        String method = req.method().name();
        boolean writes = !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
        String why = BrowserRequests.refusal(new BrowserRequests.Request(method, host(req), req.isSSL(),
                        req.getHeader("Origin"), req.getHeader("Sec-Fetch-Site"), req.getHeader("Content-Type")),
                new BrowserRequests.Policy(writes, listenHost, BrowserRequests.Body.JSON));
        if (why != null) {
            LOG.debugf("Refused %s %s: %s", method, path, why);
            boolean type = why.startsWith("content type");
            rc.response().setStatusCode(type ? 415 : 403).putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"" + (type ? ErrorCode.UNSUPPORTED_MEDIA_TYPE : ErrorCode.FORBIDDEN).wire() + "\",\"message\":\"" + why
                            + "\"}");
            return;
        }
        rc.next();
    }

    /** The Host header (or HTTP/2's :authority) as host[:port], an IPv6 address in brackets; null when absent. */
    private static String host(HttpServerRequest req) {
        io.vertx.core.net.HostAndPort a = req.authority();
        if (a == null || a.host() == null || a.host().isEmpty()) {
            return null;
        }
        String h = a.host();
        if (h.indexOf(':') >= 0 && !h.startsWith("[")) {
            h = "[" + h + "]";
        }
        return a.port() >= 0 ? h + ":" + a.port() : h;
    }
}
