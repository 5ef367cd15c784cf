package dev.ferry.store.health;

import dev.ferry.store.sync.ApplyExecutor;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Liveness: the process answers and its apply thread still takes work (a restart is the only cure otherwise). */
@Liveness
@Singleton
public class StoreLiveness implements HealthCheck {
    private final ApplyExecutor apply;

    public StoreLiveness(ApplyExecutor apply) {
        this.apply = apply;
    }

    @Override
    public HealthCheckResponse call() {
        boolean running = apply.running();
        return HealthCheckResponse.named("ferry-store").status(running).withData("applyThread", running ? "running" : "stopped")
                .build();
    }
}
