package dev.ferry.watcher.store;

import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Optional;

/**
 * The TLS context for https:// and wss:// connections to the store: trusts the JVM's CAs, or only the CA or
 * certificate in {@code ferry.watcher.tls-trust} (PEM, or a PKCS12/JKS trust store). Engines it makes check the
 * store's host name against its certificate, which the WebSocket client would otherwise skip.
 */
public final class StoreTls {
    private StoreTls() {
    }

    /**
     * @throws IllegalArgumentException naming the file and why it cannot be used
     */
    public static SSLContext context(Optional<Path> trust, Optional<String> password) {
        try {
            TrustManager[] managers = null;
            if (trust.isPresent()) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(trust.get(), password.orElse("")));
                managers = tmf.getTrustManagers();
            }
            SSLContext base = SSLContext.getInstance("TLS");
            base.init(null, managers, null);
            return new HostChecking(base);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot use " + trust.map(Path::toString).orElse("the JVM trust store")
                    + " as the store's TLS trust (ferry.watcher.tls-trust): " + e.getMessage(), e);
        }
    }

    static KeyStore load(Path file, String password) throws IOException, GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(file);
        String head = new String(bytes, 0, Math.min(bytes.length, 4096), StandardCharsets.US_ASCII);
        KeyStore store;
        if (head.contains("-----BEGIN CERTIFICATE-----")) {
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            Collection<? extends Certificate> certs;
            try (InputStream in = Files.newInputStream(file)) {
                certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            }
            int i = 0;
            for (Certificate c : certs) {
                store.setCertificateEntry("ferry-trust-" + i++, c);
            }
        } else {
            store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(file)) {
                store.load(in, password.toCharArray());
            }
        }
        if (store.size() == 0) {
            throw new GeneralSecurityException("no certificate in it");
        }
        return store;
    }

    /** Delegates to a context; every client engine it makes verifies the peer's host name like HTTPS does. */
    private static final class HostChecking extends SSLContext {
        HostChecking(SSLContext delegate) {
            super(new Spi(delegate), delegate.getProvider(), delegate.getProtocol());
        }
    }

    private static final class Spi extends SSLContextSpi {
        private final SSLContext delegate;

        Spi(SSLContext delegate) {
            this.delegate = delegate;
        }

        @Override
        protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
            throw new UnsupportedOperationException("already initialized");
        }

        @Override
        protected SSLSocketFactory engineGetSocketFactory() {
            return delegate.getSocketFactory();
        }

        @Override
        protected SSLServerSocketFactory engineGetServerSocketFactory() {
            return delegate.getServerSocketFactory();
        }

        @Override
        protected SSLEngine engineCreateSSLEngine() {
            return checking(delegate.createSSLEngine());
        }

        @Override
        protected SSLEngine engineCreateSSLEngine(String host, int port) {
            return checking(delegate.createSSLEngine(host, port));
        }

        @Override
        protected SSLSessionContext engineGetServerSessionContext() {
            return delegate.getServerSessionContext();
        }

        @Override
        protected SSLSessionContext engineGetClientSessionContext() {
            return delegate.getClientSessionContext();
        }

        @Override
        protected SSLParameters engineGetDefaultSSLParameters() {
            return delegate.getDefaultSSLParameters();
        }

        @Override
        protected SSLParameters engineGetSupportedSSLParameters() {
            return delegate.getSupportedSSLParameters();
        }

        private static SSLEngine checking(SSLEngine engine) {
            SSLParameters params = engine.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(params);
            return engine;
        }
    }
}
