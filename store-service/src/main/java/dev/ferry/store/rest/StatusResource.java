package dev.ferry.store.rest;

import dev.ferry.protocol.Endpoints;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import dev.ferry.store.sync.VersionPruner;
import dev.ferry.store.storage.VersionHistory;
import java.io.IOException;
import dev.ferry.store.sync.SyncSession;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;
import java.util.List;

/** GET the store's status as JSON: the data of the status page, and what scripts poll. */
@Path(Endpoints.STATUS)
@Tag(name = "status")
public class StatusResource {
    private final Folders folders;

    public StatusResource(Folders folders) {
        this.folders = folders;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The store at a glance", description = "Counters, the connected watcher, the last changes applied, "
            + "deduplication, sync lag and free disk space.")
    @APIResponse(responseCode = "200", description = "the status",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Status.class)))
    @APIResponse(responseCode = "401", description = "missing or wrong bearer token (when the store has one)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "404", description = "folder-required (a store of many folders, none named) or "
            + "no-such-folder",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public ApiBodies.Status status(@Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        FolderStack f = folders.resolve(folder);
        StoreLayout layout = f.layout();
        ChunkStore chunks = f.chunks();
        MirrorIndex index = f.index();
        SyncService sync = f.sync();
        StoreStats stats = f.stats();
        VersionPruner versions = f.pruner();
        SyncSession session = sync.current();
        Instant last = stats.lastApplied();
        long stored = chunks.byteCount();
        long mirror = index.fileBytes();
        List<ApiBodies.Watcher> watchers = session == null || session.clientId() == null ? List.of()
                : List.of(new ApiBodies.Watcher(session.clientId(), String.valueOf(session.greetedAt())));
        List<ApiBodies.Change> recent = stats.recentChanges().stream()
                .map(c -> new ApiBodies.Change(c.at().toString(), c.op(), c.path())).toList();
        return new ApiBodies.Status(layout.dest().toString(), layout.storeId(), chunks.chunkCount(), stored,
                index.size(), sync.pendingFiles(), session == null ? null : session.clientId(),
                last == null ? null : last.toString(), stats.entriesApplied(), stats.chunksReceived(),
                stats.bytesReceived(), stats.chunksDeduplicated(), stats.bytesDeduplicated(), chunks.corruptCount(),
                stats.auditRepairs(), index.rootDigest(), mirror, dedupRatio(stats.fileBytesApplied(), stats.bytesReceived() - stats.bytesDeduplicated()),
                stats.openBatches(), stats.lagSeconds(), layout.usableSpaceOrUnknown(), watchers, recent,
                stats.auditUnremovable(), versionsSummary(index.versions(), versions));
    }

    /** The status's {@code versions} block; the budget is -1 when it cannot be read. */
    static ApiBodies.VersionsSummary versionsSummary(VersionHistory h, VersionPruner pruner) {
        long budget;
        try {
            budget = pruner.budget();
        } catch (IOException | RuntimeException e) {
            budget = -1;
        }
        return new ApiBodies.VersionsSummary(h.count(), h.bytes(), budget, h.pruned());
    }

    /**
     * File content written into the mirror per new chunk byte uploaded, since start: the mirror holds each file's
     * bytes for real, so what deduplication saves is uploads (copies, unchanged parts of edits), not disk. 1 until
     * something new was uploaded.
     */
    static double dedupRatio(long applied, long uploadedNew) {
        return uploadedNew <= 0 ? 1.0 : Math.max(1.0, (double) applied / uploadedNew);
    }
}
