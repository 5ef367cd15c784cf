package dev.ferry.store.security;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.BrowserRequests;
import dev.ferry.store.config.StoreConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Keeps browsers from driving or reading the store, for every route (REST, metrics, the status page's data and the
 * WebSocket upgrade of /api/v1/sync), before the token check and any other handler. Watchers and curl send no
 * {@code Origin}; a web page's request always carries one (or {@code Sec-Fetch-Site}), so:
 * <ul>
 * <li>a request whose {@code Origin} is not the store's own, or whose {@code Sec-Fetch-Site} is {@code cross-site}
 * or {@code same-site}, is refused with 403;</li>
 * <li>without a token, the {@code Host} header must name a loopback address ({@code localhost}, 127.0.0.0/8,
 * {@code [::1]}) or the configured listen host, so a DNS-rebound name (evil.example resolving to 127.0.0.1) gets 403
 * even though the page then counts as same-origin;</li>
 * <li>without a token, a POST, PUT, DELETE or PATCH with a form or plain-text body type (the ones a page may send
 * cross-site without a preflight) is refused with 415 before it is read.</li>
 * </ul>
 * /q/health stays open for probes (it shows no path and no error text).
 */
@Singleton
public class BrowserGuard {
    private static final Logger LOG = Logger.getLogger(BrowserGuard.class);
    private static final String HEALTH = "/q/health";
    /** Before {@link TokenFilter} (-1000): a browser's request is refused whatever it carries. */
    static final int ORDER = -1100;

    private final boolean tokenSet;
    private final boolean allowNoToken;
    private final String listenHost;

    public BrowserGuard(StoreConfig config, @ConfigProperty(name = "quarkus.http.host") String listenHost) {
        this.tokenSet = config.token().filter(t -> !t.isEmpty()).isPresent();
        this.allowNoToken = config.store().allowNoToken();
        this.listenHost = BrowserRequests.hostOnly(listenHost);
    }

    void register(@Observes Router router) {
        router.route().order(ORDER).handler(this::check);
    }

    void announce(@Observes StartupEvent start) {
        if (!tokenSet) {
            LOG.warnf("No FERRY_TOKEN: this store trusts every user and process on this machine (anything that can "
                    + "connect to %s can rewrite or read the mirror); web pages are refused. To require a token, set "
                    + "FERRY_TOKEN on the store and the watcher.", listenHost);
        }
    }

    void check(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        String path = rc.normalizedPath();
        if (path.equals(HEALTH) || path.startsWith(HEALTH + "/")) {
            rc.next();
            return;
        }
        String why = refusal(req);
        if (why != null) {
            LOG.debugf("Refused %s %s: %s", req.method(), path, why);
            boolean type = why.startsWith("content type");
            rc.response().setStatusCode(type ? 415 : 403)
                    .putHeader("Content-Type", "application/json")
                    .end("{\"error\":\"" + (type ? ErrorCode.UNSUPPORTED_MEDIA_TYPE : ErrorCode.FORBIDDEN).wire() + "\",\"message\":\"" + why + "\"}");
            return;
        }
        rc.next();
    }

    /** Why {@code req} is refused, or null when it may go on ({@link BrowserRequests} decides). */
    String refusal(HttpServerRequest req) {
        return BrowserRequests.refusal(new BrowserRequests.Request(req.method().name(), authority(req), req.isSSL(),
                        req.getHeader("Origin"), req.getHeader("Sec-Fetch-Site"), req.getHeader("Content-Type")),
                // With a token, a page cannot forge a request anyway: a browser never adds the bearer token by itself.
                new BrowserRequests.Policy(!tokenSet && !allowNoToken, listenHost,
                        tokenSet ? BrowserRequests.Body.ANY : BrowserRequests.Body.NOT_SIMPLE));
    }

    /**
     * The request's Host header, or HTTP/2's {@code :authority} (a Java HttpClient upgrades to h2c), as
     * {@code host[:port]} with an IPv6 address in brackets; null when there is none.
     */
    static String authority(HttpServerRequest req) {
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
