package dev.ferry.protocol;

import java.util.Locale;

/**
 * Tells a request a web page made in a user's browser from one a watcher, the CLI or curl made, so that no page can
 * drive (or, on the store, read) a Ferry service on this machine. The store's BrowserGuard and the watcher's control
 * guard both decide with it; they only differ in their {@link Policy}. A page's request always carries an
 * {@code Origin} (or {@code Sec-Fetch-Site}); our clients send neither.
 */
public final class BrowserRequests {

    private BrowserRequests() {
    }

    /** The parts of an HTTP request the decision reads; header values are null when absent. */
    public record Request(String method, String host, boolean tls, String origin, String secFetchSite,
                          String contentType) {
    }

    /** What a state-changing request (POST, PUT, DELETE, PATCH) may carry as its body. */
    public enum Body {
        /** Anything: a page cannot forge the request anyway (the store with a token: no browser adds it). */
        ANY,
        /** Not the types a page may send cross-site without a CORS preflight (form, multipart, plain text). */
        NOT_SIMPLE,
        /** JSON only: the watcher's control endpoints. */
        JSON
    }

    /**
     * @param checkHost  the Host header must name a loopback address or {@code listenHost}, so a DNS-rebound name
     *                   (evil.example resolving to 127.0.0.1, which makes the page same-origin) is refused
     * @param listenHost the address the service listens on (quarkus.http.host)
     * @param body       the body rule for state-changing requests
     */
    public record Policy(boolean checkHost, String listenHost, Body body) {
    }

    /**
     * Why {@code r} is refused, or null when it may go on. A refusal for its body type starts with
     * "content type" (answered 415), any other with 403. Plain words: it goes into a JSON string as is.
     */
    public static String refusal(Request r, Policy policy) {
        if (policy.checkHost() && !trustedHost(r.host(), hostOnly(policy.listenHost()))) {
            return "only requests to a loopback host or the listen address are answered, not " + printable(r.host());
        }
        if (r.origin() != null && !sameOrigin(r.origin(), r.host(), r.tls())) {
            return "requests from web pages are refused (Origin " + printable(r.origin()) + ")";
        }
        String site = r.secFetchSite();
        if (site != null && (site.equalsIgnoreCase("cross-site") || site.equalsIgnoreCase("same-site"))) {
            return "requests from web pages are refused (Sec-Fetch-Site " + printable(site) + ")";
        }
        if (!changesState(r.method())) {
            return null;
        }
        if (policy.body() == Body.NOT_SIMPLE && simpleBody(r.contentType())) {
            return "content type " + printable(r.contentType()) + " is refused on " + r.method()
                    + ": a web page could send it; use the API's own type";
        }
        if (policy.body() == Body.JSON && !json(r.contentType())) {
            return "content type " + printable(r.contentType()) + " is refused on " + r.method()
                    + ": send application/json";
        }
        return null;
    }

    /** True when {@code host} (a Host header: name or address, optional port) names loopback or {@code listenHost}. */
    public static boolean trustedHost(String host, String listenHost) {
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
    public static boolean isLoopbackName(String name) {
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
    public static String hostOnly(String host) {
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

    /** True when {@code origin} is scheme://host[:port] of this very request (a page the service itself served). */
    public static boolean sameOrigin(String origin, String host, boolean tls) {
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

    static boolean changesState(String method) {
        String m = method == null ? "" : method.toUpperCase(Locale.ROOT);
        return m.equals("POST") || m.equals("PUT") || m.equals("DELETE") || m.equals("PATCH");
    }

    /** The body types of a "simple" request: a page may send them to any site without a CORS preflight. */
    public static boolean simpleBody(String contentType) {
        String t = mediaType(contentType);
        return t.equals("application/x-www-form-urlencoded") || t.equals("multipart/form-data") || t.equals("text/plain");
    }

    static boolean json(String contentType) {
        return mediaType(contentType).equals("application/json");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return "";
        }
        String t = contentType.toLowerCase(Locale.ROOT);
        int semi = t.indexOf(';');
        return (semi < 0 ? t : t.substring(0, semi)).trim();
    }

    /** At most 100 characters, without quotes, backslashes or control characters (it goes into JSON and logs). */
    public static String printable(String s) {
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
