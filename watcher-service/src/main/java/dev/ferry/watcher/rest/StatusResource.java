package dev.ferry.watcher.rest;

import dev.ferry.watcher.progress.Progress;
import dev.ferry.watcher.runtime.WatcherRuntime;
import dev.ferry.watcher.sync.SyncStatus;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

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
        return runtime.status().map(s -> view(s, progress))
                .orElse(new WatcherStatus(null, null, false, "starting", 0, 0, 0, 0, 0, 0, null, null, progress, 0,
                        null));
    }

    static WatcherStatus view(SyncStatus s, Progress progress) {
        return new WatcherStatus(s.source(), s.store(), s.connected(), s.state(), s.filesKnown(), s.bytesKnown(),
                s.pendingBatches(), s.chunksUploaded(), s.bytesUploaded(), s.bytesUploadedOnWire(), s.lastSyncAt(), s.lastError(), progress,
                s.deletesHeld(), s.deletesHeldMessage());
    }
}
