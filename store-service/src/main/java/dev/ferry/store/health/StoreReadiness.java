package dev.ferry.store.health;

import dev.ferry.store.storage.StoreLayout;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Readiness: DEST/.ferry/tmp is writable, so chunks and files can be stored. */
@Readiness
@Singleton
public class StoreReadiness implements HealthCheck {
    private final StoreLayout layout;

    public StoreReadiness(StoreLayout layout) {
        this.layout = layout;
    }

    @Override
    public HealthCheckResponse call() {
        try {
            Path probe = Files.createTempFile(layout.tmpDir(), "ready-", ".probe");
            Files.delete(probe);
            return HealthCheckResponse.named("ferry-store-dest").up().withData("dest", layout.dest().toString()).build();
        } catch (IOException | RuntimeException e) {
            return HealthCheckResponse.named("ferry-store-dest").down()
                    .withData("dest", layout.dest().toString()).withData("error", String.valueOf(e)).build();
        }
    }
}
