package dev.ferry.watcher.health;

import dev.ferry.watcher.runtime.WatcherRuntime;
import dev.ferry.watcher.sync.SyncStatus;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: connected to the store (a session is established); a refusal by the store says why. */
@Readiness
@ApplicationScoped
public class StoreReadinessCheck implements HealthCheck {
    private final WatcherRuntime runtime;

    public StoreReadinessCheck(WatcherRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("store connection");
        SyncStatus s = runtime.status().orElse(null);
        if (s == null) {
            return b.down().withData("state", "starting").build();
        }
        b.status(s.connected()).withData("store", s.store()).withData("state", s.state());
        String refusal = s.refusal();
        if (refusal != null && !s.connected()) {
            b.withData("refused", refusal);
        }
        return b.build();
    }
}
