package dev.ferry.store;

import dev.ferry.store.security.TokenFilter;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The running store: the store is open by now (see {@link StoreLifecycle}); says where it serves and waits. */
public class StoreApp implements QuarkusApplication {
    private static final Logger LOG = Logger.getLogger(StoreApp.class);

    private final StoreLayout layout;
    private final TokenFilter tokens;
    private final String host;
    private final int port;

    public StoreApp(StoreLayout layout, TokenFilter tokens,
                    @ConfigProperty(name = "quarkus.http.host") String host,
                    @ConfigProperty(name = "quarkus.http.port") int port) {
        this.layout = layout;
        this.tokens = tokens;
        this.host = host;
        this.port = port;
    }

    @Override
    public int run(String... args) {
        LOG.infof("Ferry store serving %s on http://%s:%d (%s)", layout.dest(), host, port,
                tokens.required() ? "token required" : "no token");
        Quarkus.waitForExit();
        return 0;
    }
}
