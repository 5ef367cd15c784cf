package dev.ferry.store.rest;

import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.TreeAt;
import dev.ferry.store.storage.VersionHistory;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The version history of the mirror (docs/PROTOCOL.md, "Versions"): a path's kept versions, a folder as it stood at
 * a moment (streamed, one manifest a line), and a file's bytes as of a moment (every chunk hashed as it is read).
 */
@Path(Endpoints.VERSIONS)
@Tag(name = "versions")
@APIResponse(responseCode = "401", description = "missing or wrong bearer token (when the store has one)",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
public class VersionResource {
    static final String NDJSON = "application/x-ndjson";
    static final int DEFAULT_RECENT = 50;
    static final int MAX_RECENT = 1000;
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    private final Folders folders;

    public VersionResource(Folders folders) {
        this.folders = folders;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "A path's versions", description = "The current entry (with when it was applied) and the kept "
            + "versions of the path, newest first.")
    @APIResponse(responseCode = "200", description = "the versions",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Versions.class)))
    @APIResponse(responseCode = "400", description = "bad-path")
    @APIResponse(responseCode = "404", description = "not-found: no current entry and no versions")
    public Response list(@Parameter(description = "the path in the folder") @QueryParam("path") String path,
                         @Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        MirrorIndex index = folders.resolve(folder).index();
        String p = checkedPath(path, false);
        if (p == null) {
            return ChunkResource.error(400, ErrorCode.BAD_PATH.wire(), "not a path in the folder: " + printable(path));
        }
        VersionHistory h = index.versions();
        Manifest cur = index.get(p);
        List<VersionHistory.Version> kept = h.of(p);
        if (cur == null && kept.isEmpty()) {
            return ChunkResource.error(ErrorCode.NOT_FOUND, "no entry and no kept version at " + RelativePaths.printable(p));
        }
        ApiBodies.Current current = cur == null ? null : new ApiBodies.Current(type(cur), cur.size(), cur.mode(),
                mtime(cur), iso(h.since(p)));
        List<ApiBodies.Version> out = new ArrayList<>(kept.size());
        for (int i = kept.size() - 1; i >= 0; i--) {
            VersionHistory.Version v = kept.get(i);
            Manifest m = v.manifest();
            out.add(new ApiBodies.Version(iso(v.fromMillis()), iso(v.toMillis()), v.reason().wire(), type(m),
                    m.type() == EntryType.FILE ? m.size() : 0, m.mode(), mtime(m), m.target()));
        }
        return Response.ok(new ApiBodies.Versions(p, current, out)).type(MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("recent")
    @Produces(MediaType.APPLICATION_JSON)
    @Blocking
    @Operation(summary = "The folder's newest kept versions", description = "Newest first, any path: finds what was "
            + "deleted or replaced without knowing its path.")
    @APIResponse(responseCode = "200", description = "the versions", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.RecentVersions.class)))
    @APIResponse(responseCode = "400", description = "bad-request: limit is not a number from 1 to 1000")
    public Response recent(@Parameter(description = "how many, 1 to " + MAX_RECENT + "; default " + DEFAULT_RECENT)
                           @QueryParam("limit") String limit,
                           @Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        MirrorIndex index = folders.resolve(folder).index();
        int n = recentLimit(limit);
        if (n < 0) {
            return ChunkResource.error(ErrorCode.BAD_REQUEST, "limit is a number from 1 to " + MAX_RECENT + ": "
                    + printable(limit));
        }
        List<VersionHistory.Version> newest = index.versions().newest(n);
        List<ApiBodies.RecentVersion> out = new ArrayList<>(newest.size());
        for (VersionHistory.Version v : newest) {
            out.add(new ApiBodies.RecentVersion(v.path(), iso(v.fromMillis()), iso(v.toMillis()), v.reason().wire(),
                    type(v.manifest()), v.bytes()));
        }
        return Response.ok(new ApiBodies.RecentVersions(out)).type(MediaType.APPLICATION_JSON).build();
    }

    /** The {@code limit} of versions/recent: the default when absent, -1 when it is not a number in range. */
    static int recentLimit(String limit) {
        if (limit == null || limit.isBlank()) {
            return DEFAULT_RECENT;
        }
        try {
            int n = Integer.parseInt(limit.trim());
            return n >= 1 && n <= MAX_RECENT ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @GET
    @Path("tree")
    @Produces({NDJSON, MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "A folder as it stood at a moment", description = "One manifest a line (the wire form of a "
            + "changes upsert) for dir and everything below it as it stood at the moment, parents before children.")
    @APIResponse(responseCode = "200", description = "the entries", content = @Content(mediaType = NDJSON))
    @APIResponse(responseCode = "400", description = "bad-path or bad-time")
    @APIResponse(responseCode = "404", description = "not-found: nothing there at that moment")
    public Response tree(@Parameter(description = "the folder (or file); empty: the whole folder") @QueryParam("dir") String dir,
                         @Parameter(description = "ISO-8601 instant; omitted: now") @QueryParam("at") String at,
                         @Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        MirrorIndex index = folders.resolve(folder).index();
        String d = checkedPath(dir == null ? "" : dir, true);
        if (d == null) {
            return ChunkResource.error(400, ErrorCode.BAD_PATH.wire(), "not a path in the folder: " + printable(dir));
        }
        Long t = moment(index, at);
        if (t == null) {
            return badTime(at);
        }
        TreeAt entries = new TreeAt(index, d, t);
        if (!entries.hasNext()) {
            return ChunkResource.error(ErrorCode.NOT_FOUND, "nothing at " + RelativePaths.printable(d) + " at " + iso(t));
        }
        StreamingOutput body = out -> {
            OutputStream o = new BufferedOutputStream(out, 64 * 1024);
            while (entries.hasNext()) {
                o.write(Wire.mapper().writeValueAsBytes(entries.next()));
                o.write('\n');
            }
            o.flush();
        };
        return Response.ok(body).type(NDJSON).build();
    }

    @GET
    @Path("file")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "A file's bytes as of a moment", description = "Every chunk is hashed as it is read; "
            + "X-Ferry-Mode (octal) and X-Ferry-Mtime (ISO instant) give its mode and mtime.")
    @APIResponse(responseCode = "200", description = "the bytes", content = @Content(mediaType = MediaType.APPLICATION_OCTET_STREAM))
    @APIResponse(responseCode = "400", description = "bad-path or bad-time")
    @APIResponse(responseCode = "404", description = "not-found: no file there then, or its chunks are no longer held")
    public Response file(@Parameter(description = "the file's path") @QueryParam("path") String path,
                         @Parameter(description = "ISO-8601 instant; omitted: now") @QueryParam("at") String at,
                         @Parameter(description = ChunkResource.FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        FolderStack f = folders.resolve(folder);
        MirrorIndex index = f.index();
        ChunkStore chunks = f.chunks();
        String p = checkedPath(path, false);
        if (p == null) {
            return ChunkResource.error(400, ErrorCode.BAD_PATH.wire(), "not a path in the folder: " + printable(path));
        }
        Long t = moment(index, at);
        if (t == null) {
            return badTime(at);
        }
        TreeAt one = new TreeAt(index, p, t);
        Manifest m = one.hasNext() ? one.next() : null;
        if (m == null || !m.path().equals(p) || m.type() != EntryType.FILE) {
            return ChunkResource.error(ErrorCode.NOT_FOUND, "no file at " + RelativePaths.printable(p) + " at " + iso(t));
        }
        for (ChunkRef c : m.chunks()) {
            if (!chunks.has(c.hash())) {
                return ChunkResource.error(ErrorCode.NOT_FOUND, "the store no longer holds chunk " + c.hash().hex()
                        + " of " + RelativePaths.printable(p));
            }
        }
        StreamingOutput body = out -> {
            byte[] buf = new byte[chunks.maxChunk()];
            for (ChunkRef c : m.chunks()) {
                int n = chunks.read(c.hash(), buf);
                if (n != c.length()) {
                    // Cut short: the client sees fewer bytes than Content-Length says, never a wrong byte.
                    throw new IOException("chunk " + c.hash().hex() + " of " + RelativePaths.printable(p)
                            + " is no longer held intact");
                }
                out.write(buf, 0, n);
            }
        };
        return Response.ok(body).type(MediaType.APPLICATION_OCTET_STREAM)
                .header("Content-Length", m.size())
                .header("X-Ferry-Mode", Integer.toOctalString(m.mode() & 07777))
                .header("X-Ferry-Mtime", Instant.ofEpochSecond(0, m.mtimeNs()).toString())
                .build();
    }

    /** A checked wire path, {@code ""} when {@code emptyOk}; null when it is not one. */
    private static String checkedPath(String path, boolean emptyOk) {
        if (path == null) {
            return null;
        }
        if (path.isEmpty()) {
            return emptyOk ? "" : null;
        }
        try {
            return RelativePaths.check(path);
        } catch (ProtocolException e) {
            return null;
        }
    }

    /** Epoch millis of an ISO instant, now when absent; null when it does not parse. */
    private static Long moment(MirrorIndex index, String at) {
        if (at == null || at.isBlank()) {
            return index.versions().now();
        }
        try {
            return Instant.parse(at.trim()).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            return null;
        }
    }

    private static Response badTime(String at) {
        return ChunkResource.error(ErrorCode.BAD_TIME, "not an ISO-8601 instant (2026-12-07T14:00:00.000Z): " + printable(at));
    }

    private static String printable(String s) {
        return s == null ? "(none)" : RelativePaths.printable(s.substring(0, Math.min(200, s.length())));
    }

    static String iso(long millis) {
        return ISO_MILLIS.format(Instant.ofEpochMilli(millis));
    }

    private static String mtime(Manifest m) {
        return iso(Math.floorDiv(m.mtimeNs(), 1_000_000L));
    }

    private static String type(Manifest m) {
        return switch (m.type()) {
            case FILE -> "file";
            case DIRECTORY -> "dir";
            case SYMLINK -> "symlink";
        };
    }
}
