package dev.ferry.store.rest;

import dev.ferry.protocol.Endpoints;
import dev.ferry.store.audit.StoreVerifier;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.POST;
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
import org.jboss.logging.Logger;

/**
 * POST the integrity check on the running store: on the apply thread, so nothing changes DEST while it re-hashes
 * (syncing waits meanwhile: a maintenance call, not one for every minute).
 */
@Path(Endpoints.VERIFY)
@Tag(name = "verify")
public class VerifyResource {
    private static final Logger LOG = Logger.getLogger(VerifyResource.class);

    private final Folders folders;

    public VerifyResource(Folders folders) {
        this.folders = folders;
    }

    @POST
    @Blocking
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The integrity check", description = "Re-hashes every chunk and every mirror file against the "
            + "index; with repair=true fixes what it can. remaining 0 means consistent.")
    @APIResponse(responseCode = "200", description = "the report",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StoreVerifier.Report.class)))
    @APIResponse(responseCode = "401", description = "missing or wrong bearer token (when the store has one)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "403", description = "a browser's request (foreign Origin, cross-site, or a Host that is "
            + "not loopback on a store without a token)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "415", description = "a form or text/plain body, which a web page could send cross-site",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "404", description = "folder-required (a store of many folders, none named) or "
            + "no-such-folder",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public StoreVerifier.Report verify(@QueryParam("repair") boolean repair,
                                       @Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder)
            throws Exception {
        FolderStack f = folders.resolve(folder);
        StoreStats stats = f.stats();
        SyncService sync = f.sync();
        StoreVerifier.Report r = f.apply().call(() -> f.verifier().verify(repair));
        stats.verified(r.repaired() + r.remaining(), r.repaired());
        if (repair && r.remaining() > 0) {
            // Entries left marked damaged wait for the watcher to send them again: ask it now.
            sync.mirrorDiffers("the integrity check left " + r.remaining() + " problem(s) for the watcher to resend");
        }
        for (String line : StoreVerifier.describe(r)) {
            if (line.startsWith("PROBLEM") || line.startsWith("repaired") || line.startsWith("...")) {
                LOG.warn("Verify: " + line);
            } else {
                LOG.info("Verify: " + line);
            }
        }
        return r;
    }
}
