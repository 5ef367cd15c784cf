package dev.ferry.store.health;

import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.storage.StoreLayout;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Readiness: DEST/.ferry/tmp is writable (a probe file is created and deleted) and the file system of DEST has at
 * least {@code ferry.store.min-free-disk} free, and so for every named folder ({@code ferry.store.folders}: a folder
 * may be mapped to another file system); the health JSON says which check failed in a few fixed words (it is open to
 * anyone: no path, no folder name), the log says why and where.
 */
@Readiness
@Singleton
public class StoreReadiness implements HealthCheck {
    static final String NAME = "ferry-store-dest";

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(StoreReadiness.class);

    private final StoreLayout layout;
    /** The named folders' layouts, asked at each call (empty for a store of one folder). */
    private final Supplier<List<StoreLayout>> folders;
    private final long minFree;
    /** The reason last logged, or null while ready. */
    private volatile String lastReason;

    @jakarta.inject.Inject
    public StoreReadiness(StoreLayout layout, StoreConfig config, Folders folders) {
        this(layout, () -> folders.named().stream().map(FolderStack::layout).toList(),
                config.store().minFreeDisk().asLongValue());
    }

    StoreReadiness(StoreLayout layout, long minFreeBytes) {
        this(layout, List::of, minFreeBytes);
    }

    StoreReadiness(StoreLayout layout, Supplier<List<StoreLayout>> folders, long minFreeBytes) {
        this.layout = layout;
        this.folders = folders;
        this.minFree = minFreeBytes;
    }

    @Override
    public HealthCheckResponse call() {
        // Anyone may read /q/health: the answer holds a short fixed reason, never DEST's path or exception text;
        // the details go to the log, once each time the reason changes.
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME).withData("minFreeBytes", minFree);
        try {
            Path probe = Files.createTempFile(layout.tmpDir(), "ready-", ".probe");
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            logOnce("DEST is not writable", "cannot create a file in " + layout.tmpDir() + ": " + e);
            return b.down().withData("writable", false).withData("error", "DEST is not writable (see the store's log)")
                    .build();
        }
        b.withData("writable", true);
        long free;
        try {
            free = layout.usableSpace();
        } catch (IOException | RuntimeException e) {
            logOnce("free space unknown", "cannot read the free space of " + layout.dest() + ": " + e);
            return b.down().withData("error", "cannot read the free space of DEST (see the store's log)").build();
        }
        b.withData("freeBytes", free);
        if (free < minFree) {
            String why = "the disk of DEST is nearly full: " + free + " bytes free, fewer than "
                    + "ferry.store.min-free-disk (" + minFree + " bytes)";
            logOnce("disk nearly full", why);
            return b.down().withData("error", why).build();
        }
        for (StoreLayout folder : folders.get()) {
            String problem = folderProblem(folder);
            if (problem != null) {
                return b.down().withData("error", problem).build();
            }
        }
        logOnce(null, null);
        return b.up().build();
    }

    /** A named folder's check, as DEST's: a few fixed words for the JSON, or null when it is fine. */
    private String folderProblem(StoreLayout folder) {
        try {
            Path probe = Files.createTempFile(folder.tmpDir(), "ready-", ".probe");
            Files.delete(probe);
        } catch (IOException | RuntimeException e) {
            logOnce("a folder is not writable " + folder.dest(), "cannot create a file in " + folder.tmpDir() + ": " + e);
            return "a folder is not writable (see the store's log)";
        }
        long free;
        try {
            free = folder.usableSpace();
        } catch (IOException | RuntimeException e) {
            logOnce("free space of a folder unknown " + folder.dest(), "cannot read the free space of " + folder.dest()
                    + ": " + e);
            return "cannot read the free space of a folder (see the store's log)";
        }
        if (free < minFree) {
            logOnce("disk of a folder nearly full " + folder.dest(), "the disk of folder " + folder.dest()
                    + " is nearly full: " + free + " bytes free, fewer than ferry.store.min-free-disk (" + minFree
                    + " bytes)");
            return "the disk of a folder is nearly full: " + free + " bytes free, fewer than "
                    + "ferry.store.min-free-disk (" + minFree + " bytes)";
        }
        return null;
    }

    private void logOnce(String reason, String detail) {
        String before = lastReason;
        lastReason = reason;
        if (reason != null && !reason.equals(before)) {
            LOG.warnf("Not ready: %s", detail);
        } else if (reason == null && before != null) {
            LOG.infof("Ready again (was: %s)", before);
        }
    }
}
