package dev.ferry.store.security;

import dev.ferry.store.config.StoreConfig;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Locale;

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
        this.listenHost = hostOnly(listenHost);
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
                    .end("{\"error\":\"" + (type ? "unsupported-media-type" : "forbidden") + "\",\"message\":\"" + why + "\"}");
            return;
        }
        rc.next();
    }

    /** Why {@code req} is refused, or null when it may go on. Plain words: it goes into a JSON string as is. */
    String refusal(HttpServerRequest req) {
        String host = authority(req);
        if (!tokenSet && !allowNoToken && !trustedHost(host)) {
            return "without a token the store answers only requests to a loopback host, not " + printable(host);
        }
        String origin = req.getHeader("Origin");
        if (origin != null && !sameOrigin(origin, host, req.isSSL())) {
            return "requests from web pages are refused (Origin " + printable(origin) + ")";
        }
        String site = req.getHeader("Sec-Fetch-Site");
        if (site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
            return "requests from web pages are refused (Sec-Fetch-Site " + printable(site) + ")";
        }
        // With a token, a page cannot forge a request anyway: a browser never adds the bearer token by itself.
        if (!tokenSet && changesState(req.method()) && simpleBody(req.getHeader("Content-Type"))) {
            return "content type " + printable(req.getHeader("Content-Type")) + " is refused on " + req.method()
                    + ": a web page could send it; use the API's own type";
        }
        return null;
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

    /** True when {@code host} (a Host header: name or address, optional port) names this machine's loopback. */
    boolean trustedHost(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String name = hostOnly(host);
        return isLoopbackName(name) || name.equals(listenHost);
    }

    /**
     * Literal loopback names only: a DNS name is never resolved here, since a rebinding attack is exactly a name
     * that resolves to 127.0.0.1.
     */
    static boolean isLoopbackName(String name) {
        if (name.equals("localhost") || name.equals("::1") || name.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** The host part of a Host header or listen address, lower case, without port or IPv6 brackets. */
    static String hostOnly(String host) {
        if (host == null) {
            return "";
        }
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(1, end);
        }
        int colon = h.indexOf(':');
        if (colon >= 0 && h.indexOf(':', colon + 1) < 0) {
            return h.substring(0, colon);
        }
        return h;
    }

    /** True when {@code origin} is scheme://host[:port] of this very request (a page the store itself served). */
    static boolean sameOrigin(String origin, String host, boolean tls) {
        if (host == null) {
            return false;
        }
        String o = origin.trim().toLowerCase(Locale.ROOT);
        String h = host.trim().toLowerCase(Locale.ROOT);
        String scheme = tls ? "https://" : "http://";
        String defaultPort = tls ? ":443" : ":80";
        return o.equals(scheme + h) || o.equals(scheme + h + defaultPort)
                || h.endsWith(defaultPort) && o.equals(scheme + h.substring(0, h.length() - defaultPort.length()));
    }

    private static boolean changesState(HttpMethod m) {
        return m == HttpMethod.POST || m == HttpMethod.PUT || m == HttpMethod.DELETE || m == HttpMethod.PATCH;
    }

    /** The body types of a "simple" request: a page may send them to any site without a CORS preflight. */
    static boolean simpleBody(String contentType) {
        if (contentType == null) {
            return false;
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        int semi = t.indexOf(';');
        t = (semi < 0 ? t : t.substring(0, semi)).trim();
        return t.equals("application/x-www-form-urlencoded") || t.equals("multipart/form-data") || t.equals("text/plain");
    }

    /** At most 100 characters, without quotes, backslashes or control characters (it goes into JSON and logs). */
    private static String printable(String s) {
        if (s == null) {
            return "(none)";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ? '?' : c);
        }
        return b.toString();
    }
}
