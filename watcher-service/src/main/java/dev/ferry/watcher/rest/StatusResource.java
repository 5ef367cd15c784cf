package dev.ferry.watcher.rest;

import dev.ferry.watcher.control.BandwidthRate;
import dev.ferry.watcher.progress.Progress;
import dev.ferry.watcher.runtime.WatcherRuntime;
import dev.ferry.watcher.sync.SyncStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** GET /status: what the watcher knows and does right now. */
@Path("/status")
public class StatusResource {
    private final WatcherRuntime runtime;

    public StatusResource(WatcherRuntime runtime) {
        this.runtime = runtime;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public WatcherStatus status() {
        Progress progress = runtime.progress().orElse(Progress.NONE);
        BandwidthRate limit = runtime.bwlimit().orElse(BandwidthRate.UNLIMITED);
        return runtime.status().map(s -> view(s, progress, limit))
                .orElse(new WatcherStatus(null, null, false, "starting", 0, 0, 0, 0, 0, 0, null, null, progress, 0,
                        null, null, false, null, 0, limit.argument(), limit.bytesPerSecond(), null, List.of()));
    }

    static WatcherStatus view(SyncStatus s, Progress progress, BandwidthRate limit) {
        return new WatcherStatus(s.source(), s.store(), s.connected(), s.state(), s.filesKnown(), s.bytesKnown(),
                s.pendingBatches(), s.chunksUploaded(), s.bytesUploaded(), s.bytesUploadedOnWire(), s.lastSyncAt(),
                s.lastError(), progress, s.deletesHeld(), s.deletesHeldMessage(), s.inSyncSince(),
                s.pausedSince() != null, s.pausedSince(), s.changesWhilePaused(), limit.argument(),
                limit.bytesPerSecond(), s.lastErrorAt(), s.recentChanges().list());
    }
}
