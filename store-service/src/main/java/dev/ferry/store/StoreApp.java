package dev.ferry.store;

import dev.ferry.store.security.TokenFilter;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.tls.TlsConfigurationRegistry;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The running store: the store is open by now (see {@link StoreLifecycle}); says where it serves and waits. */
public class StoreApp implements QuarkusApplication {
    private static final Logger LOG = Logger.getLogger(StoreApp.class);

    private final StoreLayout layout;
    private final TokenFilter tokens;
    private final String host;
    private final int port;
    private final int tlsPort;
    private final boolean tls;
    private final boolean plain;

    public StoreApp(StoreLayout layout, TokenFilter tokens, TlsConfigurationRegistry tlsRegistry,
                    @ConfigProperty(name = "quarkus.http.host") String host,
                    @ConfigProperty(name = "quarkus.http.port") int port,
                    @ConfigProperty(name = "quarkus.http.ssl-port", defaultValue = "8443") int tlsPort,
                    @ConfigProperty(name = "quarkus.http.insecure-requests", defaultValue = "enabled") String insecure) {
        this.layout = layout;
        this.tokens = tokens;
        this.host = host;
        this.port = port;
        this.tlsPort = tlsPort;
        this.tls = tlsRegistry.getDefault().map(c -> c.getKeyStore() != null).orElse(false);
        this.plain = !tls || !insecure.equalsIgnoreCase("disabled");
    }

    @Override
    public int run(String... args) {
        String where = (plain ? "http://" + host + ":" + port : "")
                + (plain && tls ? " and " : "") + (tls ? "https://" + host + ":" + tlsPort : "");
        LOG.infof("Ferry store serving %s on %s (%s)", layout.dest(), where,
                tokens.required() ? "token required" : "no token");
        Quarkus.waitForExit();
        return 0;
    }
}
