package dev.ferry.protocol;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --probe [live|ready|started]}: asks the service running on this machine for one of its health endpoints and
 * exits 0 when it answers 200. For container HEALTHCHECKs in images without curl (the native micro image): the
 * executable probes itself. The port is QUARKUS_HTTP_PORT, as the running service reads it; a service that serves
 * TLS only (QUARKUS_HTTP_SSL_PORT set and QUARKUS_HTTP_INSECURE_REQUESTS=disabled) is asked over HTTPS on its
 * QUARKUS_HTTP_SSL_PORT.
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
        URI uri = healthUri(env, defaultPort, check);
        try {
            HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
            if (c instanceof HttpsURLConnection https) {
                loopbackTls(https);
            }
            c.setConnectTimeout(3000);
            c.setReadTimeout(3000);
            int status = c.getResponseCode();
            c.disconnect();
            if (status == 200) {
                return 0;
            }
            err.println(uri + " answered " + status);
            return 1;
        } catch (IOException | IllegalArgumentException | GeneralSecurityException e) {
            err.println(uri + ": " + e.getMessage());
            return 1;
        }
    }

    /** The health URL of the service on this machine: HTTPS when plain HTTP is switched off, as Quarkus reads it. */
    static URI healthUri(Map<String, String> env, int defaultPort, String check) {
        String sslPort = env.get("QUARKUS_HTTP_SSL_PORT");
        String insecure = env.getOrDefault("QUARKUS_HTTP_INSECURE_REQUESTS", "enabled").trim().toLowerCase(Locale.ROOT);
        if (sslPort != null && !sslPort.isBlank() && insecure.equals("disabled")) {
            return URI.create("https://127.0.0.1:" + sslPort.trim() + "/q/health/" + check);
        }
        String port = env.getOrDefault("QUARKUS_HTTP_PORT", Integer.toString(defaultPort));
        return URI.create("http://127.0.0.1:" + port.trim() + "/q/health/" + check);
    }

    /**
     * Accepts the certificate the service on 127.0.0.1 presents, whatever its issuer and names: the probe sends no
     * credential and reads only a status code, so a certificate check would protect nothing here, and a service's
     * certificate names its public host, not 127.0.0.1.
     */
    private static void loopbackTls(HttpsURLConnection c) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        c.setSSLSocketFactory(context.getSocketFactory());
        c.setHostnameVerifier((host, session) -> host.equals("127.0.0.1"));
    }
}
