package dev.ferry.store.rest;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HEAD;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/** Chunk uploads and look-ups. Bodies are read as streams, at most one chunk in memory per request. */
@Path(Endpoints.CHUNKS)
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "chunks")
@APIResponse(responseCode = "401", description = "missing or wrong bearer token (when the store has one)",
        content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
public class ChunkResource {
    static final String OCTETS = MediaType.APPLICATION_OCTET_STREAM;
    private static final String HASH = "SHA-256 of the chunk, 64 hex digits";

    private static final int NOTIFY_EVERY = 64;

    static final String FOLDER = "the folder (ferry.store.folders); absent: the store's one folder";

    private final Folders folders;
    private final int maxItems;

    public ChunkResource(Folders folders, StoreConfig config) {
        this.folders = folders;
        this.maxItems = config.store().maxBatchItems();
    }

    @PUT
    @Path("{hash}")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Upload one chunk", description = "The body is hashed while it streams to a temp file and kept "
            + "under {hash} only when its SHA-256 matches.")
    @RequestBody(required = true, content = @Content(mediaType = OCTETS,
            schema = @Schema(type = SchemaType.STRING, format = "binary", minLength = 1, maxLength = 262144)))
    @APIResponse(responseCode = "201", description = "stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Stored.class)))
    @APIResponse(responseCode = "200", description = "the store already had it (deduplicated)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Stored.class)))
    @APIResponse(responseCode = "400", description = "bad-hash (not 64 hex digits) or hash-mismatch (the body's SHA-256 is "
            + "not {hash}, or the body is empty); nothing is stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "413", description = "too-large: more than the largest chunk (256 KiB)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "415", description = "unsupported-media-type: the body is not " + OCTETS,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "507", description = "quota-exceeded: storing it would pass ferry.store.quota",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public Response put(@Parameter(description = HASH) @PathParam("hash") String hex,
                        @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_LENGTH) Long length,
                        @Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                        @Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder,
                        InputStream body) throws IOException {
        FolderStack f = folders.resolve(folder);
        ChunkStore store = f.chunks();
        StoreStats stats = f.stats();
        if (!ChunkHash.isValid(hex)) {
            return error(ErrorCode.BAD_HASH, "a chunk hash is 64 hex digits");
        }
        if (!isType(contentType, MediaType.APPLICATION_OCTET_STREAM)) {
            return error(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "a chunk is " + MediaType.APPLICATION_OCTET_STREAM);
        }
        if (length != null && length > store.maxChunk()) {
            return error(ErrorCode.TOO_LARGE, "a chunk has at most " + store.maxChunk() + " bytes, not " + length);
        }
        ChunkHash hash = ChunkHash.parse(hex);
        byte[] buf = new byte[store.maxChunk() + 1];
        int n = body.readNBytes(buf, 0, buf.length);
        if (n > store.maxChunk()) {
            return error(ErrorCode.TOO_LARGE, "a chunk has at most " + store.maxChunk() + " bytes");
        }
        if (n == 0) {
            return error(ErrorCode.HASH_MISMATCH, "empty body: a chunk has at least one byte");
        }
        String over = store.has(hash) ? null : f.quota().exceeded(n, 0);
        if (over != null) {
            return error(ErrorCode.QUOTA_EXCEEDED, DiskQuota.detail(over));
        }
        try {
            ChunkStore.Stored result = store.put(hash, buf, 0, n);
            boolean present = result == ChunkStore.Stored.PRESENT;
            stats.chunkReceived(n, present);
            stats.chunkOnWire(n);
            f.sync().chunksStored(List.of(hash));
            return Response.status(present ? 200 : 201).entity(new ApiBodies.Stored(hash.hex(), present ? "present" : "stored")).build();
        } catch (ChunkStore.TooLargeException e) {
            return error(ErrorCode.TOO_LARGE, e.getMessage());
        } catch (ChunkStore.HashMismatchException e) {
            return error(ErrorCode.HASH_MISMATCH, e.getMessage());
        }
    }

    @HEAD
    @Path("{hash}")
    @Operation(summary = "Whether the store holds a chunk")
    @APIResponse(responseCode = "200", description = "stored")
    @APIResponse(responseCode = "404", description = "not stored")
    @APIResponse(responseCode = "400", description = "not a chunk hash")
    public Response head(@Parameter(description = HASH) @PathParam("hash") String hex,
                         @Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) {
        ChunkStore store = folders.resolve(folder).chunks();
        if (!ChunkHash.isValid(hex)) {
            return Response.status(400).build();
        }
        return Response.status(store.has(ChunkHash.parse(hex)) ? 200 : 404).build();
    }

    @GET
    @Path("{hash}")
    @Produces({OCTETS, MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "One chunk's bytes", description = "Read from a mirror file, a kept version or a pack, and "
            + "hashed before it is sent (restore fetches what it lacks this way).")
    @APIResponse(responseCode = "200", description = "the chunk", content = @Content(mediaType = OCTETS))
    @APIResponse(responseCode = "404", description = "not-found: the store holds no intact copy")
    @APIResponse(responseCode = "400", description = "bad-hash: not a chunk hash")
    public Response get(@Parameter(description = HASH) @PathParam("hash") String hex,
                        @Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder) throws IOException {
        ChunkStore store = folders.resolve(folder).chunks();
        if (!ChunkHash.isValid(hex)) {
            return badHash(hex);
        }
        ChunkHash hash = ChunkHash.parse(hex);
        byte[] buf = new byte[store.maxChunk()];
        int n = store.read(hash, buf);
        if (n < 0) {
            return error(ErrorCode.NOT_FOUND, "the store holds no intact copy of chunk " + hash.hex());
        }
        return Response.ok(java.util.Arrays.copyOf(buf, n)).type(OCTETS).build();
    }

    @POST
    @Path("batch")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @Operation(summary = "Upload many chunks in one body", description = "Records of a 32-byte SHA-256, a 4-byte "
            + "big-endian length and that many bytes, until the end of the body; or, as " + Endpoints.CHUNK_BATCH_CODED_TYPE
            + ", coded records that also name a codec (none, zstd) and give the raw and wire lengths (docs/PROTOCOL.md). "
            + "Each record is decoded within its raw length and verified; the records before a bad one are kept.")
    @RequestBody(required = true, content = @Content(mediaType = Endpoints.CHUNK_BATCH_TYPE,
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "200", description = "every record verified: chunks newly stored and already present",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.BatchResult.class)))
    @APIResponse(responseCode = "400", description = "hash-mismatch, truncated, too-large or bad-compression (a coded "
            + "record's codec is unknown, its lengths lie or its bytes do not decode) at one record; {stored} "
            + "records before it are kept",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.BatchError.class)))
    @APIResponse(responseCode = "415", description = "unsupported-media-type: the body is not " + Endpoints.CHUNK_BATCH_TYPE
            + " nor " + Endpoints.CHUNK_BATCH_CODED_TYPE,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "507", description = "quota-exceeded at one record; {stored} records before it are kept",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.BatchError.class)))
    public Response batch(@Parameter(hidden = true) @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                          @Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder,
                          InputStream body) throws IOException {
        FolderStack f = folders.resolve(folder);
        ChunkStore store = f.chunks();
        StoreStats stats = f.stats();
        SyncService sync = f.sync();
        boolean coded = isType(contentType, Endpoints.CHUNK_BATCH_CODED_TYPE);
        if (!coded && !isType(contentType, Endpoints.CHUNK_BATCH_TYPE)) {
            return error(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "a chunk batch is " + Endpoints.CHUNK_BATCH_TYPE + " or "
                    + Endpoints.CHUNK_BATCH_CODED_TYPE);
        }
        ChunkBatchFormat.Reader reader = new ChunkBatchFormat.Reader(body, store.maxChunk(), coded);
        int stored = 0;
        int present = 0;
        List<ChunkHash> arrived = new ArrayList<>();
        try {
            while (reader.next()) {
                String over = store.has(reader.hash()) ? null : f.quota().exceeded(reader.length(), 0);
                if (over != null) {
                    return Response.status(507).type(MediaType.APPLICATION_JSON).entity(new ApiBodies.BatchError(
                            ErrorCode.QUOTA_EXCEEDED.wire(), DiskQuota.detail(over), stored)).build();
                }
                ChunkStore.Stored result = store.put(reader.hash(), reader.buffer(), 0, reader.length());
                boolean dup = result == ChunkStore.Stored.PRESENT;
                stats.chunkReceived(reader.length(), dup);
                stats.chunkOnWire(reader.wireLength());
                if (dup) {
                    present++;
                } else {
                    stored++;
                }
                arrived.add(reader.hash());
                if (arrived.size() >= NOTIFY_EVERY) {
                    sync.chunksStored(arrived);
                    arrived = new ArrayList<>();
                }
            }
        } catch (ProtocolException e) {
            return batchError(e.errorCode(), e.getMessage(), stored);
        } catch (ChunkStore.HashMismatchException e) {
            return batchError(ErrorCode.HASH_MISMATCH, "chunk " + (stored + present) + ": " + e.getMessage(), stored);
        } finally {
            sync.chunksStored(arrived);
        }
        return Response.ok(new ApiBodies.BatchResult(stored, present)).build();
    }

    @POST
    @Path("missing")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Which of these chunks the store lacks")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiBodies.MissingRequest.class)))
    @APIResponse(responseCode = "200", description = "the hashes of the request that the store does not hold",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.MissingResponse.class)))
    @APIResponse(responseCode = "400", description = "bad-hash (an entry is not a chunk hash) or bad-message (no chunks list)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "413", description = "too-large: more hashes than ferry.store.max-batch-items",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public Response missing(@Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder,
                            ApiBodies.MissingRequest request) {
        ChunkStore store = folders.resolve(folder).chunks();
        Response refused = refusal(request);
        if (refused != null) {
            return refused;
        }
        List<String> missing = new ArrayList<>();
        for (String hex : request.chunks()) {
            ChunkHash hash = ChunkHash.parse(hex);
            if (!store.has(hash)) {
                missing.add(hash.hex());
            }
        }
        return Response.ok(new ApiBodies.MissingResponse(missing)).build();
    }

    @POST
    @Path("fetch")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({Endpoints.CHUNK_BATCH_TYPE, MediaType.APPLICATION_JSON})
    @Blocking
    @Operation(summary = "Many chunks' bytes in one answer", description = "The chunks of the request the store holds, "
            + "in request order, as records of a 32-byte SHA-256, a 4-byte big-endian length and the bytes (the batch "
            + "upload's plain form); each read from a mirror file, a kept version or a pack and hashed before it is "
            + "sent, one at a time. A chunk not held intact is left out: the client sees which are absent.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ApiBodies.MissingRequest.class)))
    @APIResponse(responseCode = "200", description = "the held chunks of the request",
            content = @Content(mediaType = Endpoints.CHUNK_BATCH_TYPE, schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "400", description = "bad-hash (an entry is not a chunk hash) or bad-message (no chunks list)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    @APIResponse(responseCode = "413", description = "too-large: more hashes than ferry.store.max-batch-items",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ApiBodies.Error.class)))
    public Response fetch(@Parameter(description = FOLDER) @QueryParam(Endpoints.FOLDER_PARAM) String folder,
                          ApiBodies.MissingRequest request) {
        ChunkStore store = folders.resolve(folder).chunks();
        Response refused = refusal(request);
        if (refused != null) {
            return refused;
        }
        List<ChunkHash> wanted = new ArrayList<>(request.chunks().size());
        for (String hex : request.chunks()) {
            wanted.add(ChunkHash.parse(hex));
        }
        // Streamed: one chunk in memory at a time, however many the request names.
        StreamingOutput body = out -> {
            byte[] buf = new byte[store.maxChunk()];
            for (ChunkHash hash : wanted) {
                int n = store.read(hash, buf);
                if (n > 0) {
                    ChunkBatchFormat.writeRecord(out, hash, buf, 0, n);
                }
            }
        };
        return Response.ok(body).type(Endpoints.CHUNK_BATCH_TYPE).build();
    }

    /** The error answering a list of hashes (missing, fetch) that is absent, too long or not all hashes; else null. */
    private Response refusal(ApiBodies.MissingRequest request) {
        if (request == null || request.chunks() == null) {
            return error(ErrorCode.BAD_MESSAGE, "body is {\"chunks\":[hex, ...]}");
        }
        if (request.chunks().size() > maxItems) {
            return error(ErrorCode.TOO_LARGE, "at most " + maxItems + " hashes a request, not " + request.chunks().size());
        }
        for (String hex : request.chunks()) {
            if (!ChunkHash.isValid(hex)) {
                return badHash(hex);
            }
        }
        return null;
    }

    /** 400 bad-hash, quoting at most 80 printable characters of what was given. */
    private static Response badHash(String hex) {
        return error(ErrorCode.BAD_HASH, "not a chunk hash: "
                + (hex == null ? "null" : RelativePaths.printable(hex.substring(0, Math.min(80, hex.length())))));
    }

    private static boolean isType(String contentType, String wanted) {
        if (contentType == null) {
            return false;
        }
        try {
            MediaType given = MediaType.valueOf(contentType);
            MediaType w = MediaType.valueOf(wanted);
            return given.getType().equalsIgnoreCase(w.getType()) && given.getSubtype().equalsIgnoreCase(w.getSubtype());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    static Response error(ErrorCode code, String message) {
        return error(code.httpStatus(), code.wire(), message);
    }

    static Response error(int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(new ApiBodies.Error(code, message)).build();
    }

    private static Response batchError(ErrorCode code, String message, int stored) {
        return Response.status(400).type(MediaType.APPLICATION_JSON).entity(new ApiBodies.BatchError(code.wire(), message, stored)).build();
    }
}
