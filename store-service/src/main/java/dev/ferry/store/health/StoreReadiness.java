package dev.ferry.store.health;

import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.StoreLayout;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Readiness: DEST/.ferry/tmp is writable (a probe file is created and deleted) and the file system of DEST has at
 * least {@code ferry.store.min-free-disk} free; the health JSON says which check failed and why.
 */
@Readiness
@Singleton
public class StoreReadiness implements HealthCheck {
    static final String NAME = "ferry-store-dest";

    private final StoreLayout layout;
    private final long minFree;

    @jakarta.inject.Inject
    public StoreReadiness(StoreLayout layout, StoreConfig config) {
        this(layout, config.store().minFreeDisk().asLongValue());
    }

    StoreReadiness(StoreLayout layout, long minFreeBytes) {
        this.layout = layout;
        this.minFree = minFreeBytes;
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).withData("dest", layout.dest().toString())
                .withData("minFreeBytes", minFree);
        try {
            Path probe = Files.createTempFile(layout.tmpDir(), "ready-", ".probe");
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            return b.down().withData("writable", false)
                    .withData("error", "DEST is not writable: cannot create a file in " + layout.tmpDir() + ": " + e)
                    .build();
        }
        b.withData("writable", true);
        long free;
        try {
            free = layout.usableSpace();
        } catch (IOException | RuntimeException e) {
            return b.down().withData("error", "cannot read the free space of DEST: " + e).build();
        }
        b.withData("freeBytes", free);
        if (free < minFree) {
            return b.down().withData("error", "the disk of DEST is nearly full: " + free + " bytes free, fewer than "
                    + "ferry.store.min-free-disk (" + minFree + " bytes)").build();
        }
        return b.up().build();
    }
}
