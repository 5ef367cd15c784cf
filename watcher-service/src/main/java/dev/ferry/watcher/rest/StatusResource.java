package dev.ferry.watcher.rest;

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
        return runtime.status().map(StatusResource::view)
                .orElse(new WatcherStatus(null, null, false, "starting", 0, 0, 0, 0, 0, null, null));
    }

    static WatcherStatus view(SyncStatus s) {
        return new WatcherStatus(s.source(), s.store(), s.connected(), s.state(), s.filesKnown(), s.bytesKnown(),
                s.pendingBatches(), s.chunksUploaded(), s.bytesUploaded(), s.lastSyncAt(), s.lastError());
    }
}
