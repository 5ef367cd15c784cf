package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS and WSS end to end: the packaged store serves only TLS with a self-signed certificate generated here by
 * keytool; the packaged watcher syncs over https:// and wss:// when it trusts that certificate, and refuses with
 * a clear message a certificate it does not trust or one that does not name the host it dialled.
 */
class TlsIT {
    private static final String PASSWORD = "changeit";

    @Test
    void theWatcherSyncsOverTlsAndRefusesCertificatesItMustNotTrust(@TempDir Path root) throws Exception {
        Path keystore = root.resolve("store.p12");
        Path cert = root.resolve("store.pem");
        Path other = root.resolve("other.pem");
        keytool("-genkeypair", "-alias", "store", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=ferry-test-store",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "store", "-keystore", keystore.toString(), "-storepass", PASSWORD,
                "-file", cert.toString());
        Path otherStore = root.resolve("other.p12");
        keytool("-genkeypair", "-alias", "other", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=someone-else",
                "-ext", "SAN=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", otherStore.toString(),
                "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", otherStore.toString(), "-storepass", PASSWORD,
                "-file", other.toString());

        Path source = Files.createDirectories(root.resolve("source"));
        Trees.write(source.resolve("secret/plan.txt"), "over TLS only");
        Trees.write(source.resolve("big.bin"), "x".repeat(600_000));
        Path dest = root.resolve("dest");
        int httpPort = FerryProcess.freePort();
        int tlsPort = FerryProcess.freePort();
        Map<String, String> storeEnv = new HashMap<>();
        storeEnv.put("QUARKUS_HTTP_SSL_PORT", Integer.toString(tlsPort));
        storeEnv.put("QUARKUS_HTTP_INSECURE_REQUESTS", "disabled");
        storeEnv.put("QUARKUS_TLS_KEY_STORE_P12_PATH", keystore.toString());
        storeEnv.put("QUARKUS_TLS_KEY_STORE_P12_PASSWORD", PASSWORD);
        storeEnv.put("FERRY_TOKEN", "tls-token");
        try (FerryProcess store = FerryProcess.storeOnPort("tls-store", dest, httpPort, storeEnv)) {
            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(cert)).build();
            awaitReady(store, trusting, URI.create("https://127.0.0.1:" + tlsPort + "/q/health/ready"));
            assertThrows(ConnectException.class, () -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + httpPort + "/q/health")).build(), HttpResponse.BodyHandlers.discarding()),
                    "with insecure requests disabled there is no plain HTTP port");
            Map<String, String> probeEnv = new HashMap<>(storeEnv);
            probeEnv.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
            assertEquals(0, probe(probeEnv, "ready"), "the container HEALTHCHECK of a TLS-only store sees it healthy");
            assertEquals(0, probe(probeEnv, "live"));

            Map<String, String> env = new HashMap<>();
            env.put("FERRY_TOKEN", "tls-token");
            env.put("FERRY_WATCHER_STATE_DIR", root.resolve("state").toString());
            env.put("FERRY_WATCHER_ONCE_TIMEOUT", "15s");

            env.put("FERRY_WATCHER_TLS_TRUST", other.toString());
            String untrusted = failingRun("tls-untrusted", source, "https://127.0.0.1:" + tlsPort, env);
            assertTrue(untrusted.contains("certificate is not trusted") && untrusted.contains("FERRY_WATCHER_TLS_TRUST"), untrusted);

            env.put("FERRY_WATCHER_TLS_TRUST", cert.toString());
            String wrongHost = failingRun("tls-wrong-host", source, "https://localhost:" + tlsPort, env);
            assertTrue(wrongHost.contains("not for this host name"), wrongHost);
            assertTrue(Files.notExists(dest.resolve("secret")), "nothing synced through a refused certificate");

            env.remove("FERRY_WATCHER_ONCE_TIMEOUT");
            try (FerryProcess once = FerryProcess.watcher("tls-once", source, "https://127.0.0.1:" + tlsPort, env, "--once")) {
                assertEquals(0, once.awaitExit(Duration.ofSeconds(90)), once.logTail());
            }
            assertEquals(List.of(), Trees.differences(source, dest));
        }
    }

    /** {@code java -jar store.jar --probe CHECK} with the store's environment, as its HEALTHCHECK runs it. */
    private static int probe(Map<String, String> env, String check) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                FerryProcess.storeJar().toString(), "--probe", check);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the probe ends");
        if (p.exitValue() != 0) {
            System.err.println("probe " + check + ": " + out);
        }
        return p.exitValue();
    }

    private static String failingRun(String name, Path source, String url, Map<String, String> env) throws Exception {
        try (FerryProcess once = FerryProcess.watcher(name, source, url, env, "--once")) {
            assertNotEquals(0, once.awaitExit(Duration.ofSeconds(60)), once.logTail());
            return once.log();
        }
    }

    private static void awaitReady(FerryProcess store, HttpClient client, URI health) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            assertTrue(store.isAlive(), store.logTail());
            try {
                if (client.send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            FerryProcess.sleep(200);
        }
        throw new AssertionError("TLS store not ready:\n" + store.logTail());
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            ks.setCertificateEntry("store", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "keytool " + String.join(" ", args) + ":\n" + out);
    }
}
