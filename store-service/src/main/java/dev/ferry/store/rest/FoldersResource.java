package dev.ferry.store.rest;

import dev.ferry.protocol.Endpoints;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.security.TokenFilter;
import dev.ferry.store.sync.SyncSession;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;

/**
 * GET the folders of a store with many ({@code ferry.store.folders}): the admin token sees them all, a folder's
 * token its own. A store of one folder lists none (its one folder is unnamed).
 */
@Path(Endpoints.FOLDERS)
@Tag(name = "folders")
public class FoldersResource {
    /** One folder: its name, where it is mirrored, whether a source is bound to it, and its size. */
    public record Folder(String name, String path, boolean bound, long entries, long mirrorBytes, boolean inSync) {
    }

    /** The answer of {@code GET /api/v1/folders}. */
    public record FolderList(List<Folder> folders) {
    }

    private final Folders folders;
    private final TokenFilter tokens;

    public FoldersResource(Folders folders, TokenFilter tokens) {
        this.folders = folders;
        this.tokens = tokens;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The folders of the store", description = "Each named folder with its path, whether a source "
            + "is bound to it, its entries and mirrored bytes, and whether a connected watcher has nothing waiting "
            + "(inSync). A folder's token lists its own folder only; a store of one folder lists none.")
    @APIResponse(responseCode = "200", description = "the folders",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = FolderList.class)))
    @APIResponse(responseCode = "401", description = "missing or wrong bearer token (when the store has one)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public FolderList list(@Parameter(hidden = true) @HeaderParam("Authorization") String authorization) {
        String only = tokens.folderOf(authorization);
        List<Folder> out = new ArrayList<>();
        for (FolderStack f : folders.named()) {
            if (only == null || only.equals(f.name())) {
                out.add(describe(f));
            }
        }
        return new FolderList(out);
    }

    /** inSync: a watcher is connected and greeted, and nothing it sent waits to be applied. */
    static Folder describe(FolderStack f) {
        SyncSession s = f.sync().current();
        boolean inSync = s != null && s.greeted() && f.sync().pendingFiles() == 0 && f.stats().openBatches() == 0;
        return new Folder(f.name(), f.layout().dest().toString(), f.binding().owner() != null, f.index().size(),
                f.index().fileBytes(), inSync);
    }
}
