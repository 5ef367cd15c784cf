package dev.ferry.store.security;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The store's start-up rules for exposure: a token must be printable ASCII, and a store that listens on anything
 * but a loopback address needs one, unless {@code ferry.store.allow-no-token} says a trusted proxy guards it.
 */
public final class ListenGuard {
    private ListenGuard() {
    }

    /** Why {@code token} cannot be used as a bearer token, or null (also for no token). */
    public static String tokenProblem(String token) {
        if (token == null) {
            return null;
        }
        for (int i = 0; i < token.length(); i++) {
            char c = token.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return "ferry-store: FERRY_TOKEN must be printable ASCII without spaces (character " + (i + 1) + " is not)";
            }
        }
        return null;
    }

    /** Tokens a manifest or an example ships as a placeholder: never a real token (k8s/store.yaml's first). */
    static final java.util.Set<String> PLACEHOLDERS = java.util.Set.of("replace-me-with-a-long-random-string",
            "change-me", "changeme", "replace-me", "secret", "token");
    /** Shortest token accepted on a non-loopback address: 16 characters, e.g. 96 random bits in base64. */
    static final int MIN_NETWORK_TOKEN_LENGTH = 16;

    /**
     * Why {@code token} is too weak for a store listening on {@code host}, or null: a placeholder is refused
     * everywhere, a token shorter than {@value #MIN_NETWORK_TOKEN_LENGTH} characters when the network can reach it.
     */
    public static String weakTokenProblem(String token, String host) {
        if (token == null) {
            return null;
        }
        if (PLACEHOLDERS.contains(token.toLowerCase(java.util.Locale.ROOT))) {
            return "ferry-store: FERRY_TOKEN is still the placeholder '" + token + "': set a real token, e.g. "
                    + "head -c 32 /dev/urandom | base64 (k8s/README.md shows how to put it in the Secret)";
        }
        if (token.length() < MIN_NETWORK_TOKEN_LENGTH && !isLoopback(host)) {
            return "ferry-store: FERRY_TOKEN is too short (" + token.length() + " characters) for a store listening on "
                    + host + ": use at least " + MIN_NETWORK_TOKEN_LENGTH + ", e.g. head -c 32 /dev/urandom | base64";
        }
        return null;
    }

    /** Why the store must not listen on {@code host}, or null when it may. */
    public static String listenProblem(String host, boolean tokenSet, boolean allowNoToken) {
        if (tokenSet || allowNoToken || isLoopback(host)) {
            return null;
        }
        return "ferry-store: refusing to listen on " + host + " without a token: anyone who can reach it could rewrite the mirror. "
                + "Set FERRY_TOKEN (every request must then carry it), or QUARKUS_HTTP_HOST=127.0.0.1 to stay local, "
                + "or FERRY_STORE_ALLOW_NO_TOKEN=true if a trusted proxy authenticates every request.";
    }

    static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.trim();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        try {
            for (InetAddress a : InetAddress.getAllByName(h)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }
}
