package dev.ferry.protocol;

import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.Map;

/**
 * {@code --probe [live|ready|started]}: asks the service running on this machine for one of its health endpoints and
 * exits 0 when it answers 200. For container HEALTHCHECKs in images without curl (the native micro image): the
 * executable probes itself. The port is QUARKUS_HTTP_PORT, as the running service reads it.
 */
public final class HealthProbe {
    /** The command-line option. */
    public static final String OPTION = "--probe";

    private HealthProbe() {
    }

    /**
     * Runs the probe for the arguments after {@link #OPTION}; returns the exit code: 0 healthy, 1 not, 2 bad usage.
     */
    public static int run(String[] args, Map<String, String> env, int defaultPort, PrintStream err) {
        String check = args.length > 1 ? args[1] : "live";
        if (!check.equals("live") && !check.equals("ready") && !check.equals("started") || args.length > 2) {
            err.println(OPTION + " takes live, ready or started, not " + String.join(" ", args));
            return 2;
        }
        String port = env.getOrDefault("QUARKUS_HTTP_PORT", Integer.toString(defaultPort));
        URI uri = URI.create("http://127.0.0.1:" + port + "/q/health/" + check);
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            c.setConnectTimeout(3000);
            c.setReadTimeout(3000);
            int status = c.getResponseCode();
            c.disconnect();
            if (status == 200) {
                return 0;
            }
            err.println(uri + " answered " + status);
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println(uri + ": " + e.getMessage());
            return 1;
        }
    }
}
