package dev.ferry.store.rest;

import dev.ferry.protocol.Endpoints;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import dev.ferry.store.sync.SyncSession;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;

/** GET the store's status as JSON. */
@Path(Endpoints.STATUS)
public class StatusResource {
    private final StoreLayout layout;
    private final ChunkStore chunks;
    private final MirrorIndex index;
    private final SyncService sync;
    private final StoreStats stats;

    public StatusResource(StoreLayout layout, ChunkStore chunks, MirrorIndex index, SyncService sync, StoreStats stats) {
        this.layout = layout;
        this.chunks = chunks;
        this.index = index;
        this.sync = sync;
        this.stats = stats;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public ApiBodies.Status status() {
        SyncSession session = sync.current();
        Instant last = stats.lastApplied();
        return new ApiBodies.Status(layout.dest().toString(), layout.storeId(), chunks.chunkCount(), chunks.byteCount(),
                index.size(), sync.pendingFiles(), session == null ? null : session.clientId(),
                last == null ? null : last.toString(), stats.entriesApplied(), stats.chunksReceived(),
                stats.bytesReceived(), stats.chunksDeduplicated(), stats.bytesDeduplicated(), chunks.corruptCount(),
                stats.auditRepairs(), index.rootDigest(), stats.gcRuns(),
                stats.chunksCollected(), stats.bytesCollected());
    }
}
