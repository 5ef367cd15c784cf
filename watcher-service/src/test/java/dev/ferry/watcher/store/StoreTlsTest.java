package dev.ferry.watcher.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertPathValidatorException;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreTlsTest {
    @TempDir
    Path dir;

    private Path keystore() throws Exception {
        Path p12 = dir.resolve("trust.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "s", "-keyalg", "RSA", "-dname", "CN=t", "-storetype", "PKCS12",
                "-keystore", p12.toString(), "-storepass", "pw1234", "-keypass", "pw1234").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertEquals(0, p.waitFor());
        Process e = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-exportcert", "-rfc", "-alias", "s", "-keystore", p12.toString(), "-storepass", "pw1234",
                "-file", dir.resolve("trust.pem").toString()).redirectErrorStream(true).start();
        e.getInputStream().readAllBytes();
        assertEquals(0, e.waitFor());
        return p12;
    }

    @Test
    void loadsPemAndPkcs12AndChecksHostNames() throws Exception {
        Path p12 = keystore();
        assertEquals(1, StoreTls.load(dir.resolve("trust.pem"), "").size());
        assertTrue(StoreTls.load(p12, "pw1234").size() >= 1);
        for (SSLContext ctx : List.of(StoreTls.context(Optional.of(dir.resolve("trust.pem")), Optional.empty()),
                StoreTls.context(Optional.of(p12), Optional.of("pw1234")), StoreTls.context(Optional.empty(), Optional.empty()))) {
            SSLEngine engine = ctx.createSSLEngine("store.example", 443);
            assertEquals("HTTPS", engine.getSSLParameters().getEndpointIdentificationAlgorithm(),
                    "the WebSocket client's engines must check the host name");
        }
    }

    @Test
    void unusableTrustFilesAreRefusedNamingTheFile() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoreTls.context(Optional.of(junk), Optional.empty()));
        assertTrue(e.getMessage().contains(junk.toString()) && e.getMessage().contains("ferry.watcher.tls-trust"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> StoreTls.context(Optional.of(dir.resolve("missing.pem")), Optional.empty()));
        Path p12 = keystore();
        assertThrows(IllegalArgumentException.class, () -> StoreTls.context(Optional.of(p12), Optional.of("wrong")));
    }

    @Test
    void tlsFailuresBecomeSentencesNamingTheSetting() {
        String untrusted = StoreConnection.tlsProblem(new java.io.IOException("connect failed", new javax.net.ssl.SSLHandshakeException(
                "PKIX path building failed").initCause(new CertPathValidatorException("unable to find valid certification path"))));
        assertNotNull(untrusted);
        assertTrue(untrusted.contains("FERRY_WATCHER_TLS_TRUST"), untrusted);
        String host = StoreConnection.tlsProblem(new javax.net.ssl.SSLHandshakeException("x")
                .initCause(new java.security.cert.CertificateException("No name matching localhost found")));
        assertTrue(host.contains("host name"), host);
        assertEquals(null, StoreConnection.tlsProblem(new java.io.IOException("connection refused")));
    }
}
