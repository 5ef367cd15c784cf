package dev.ferry.protocol;

/** The store's HTTP paths, media types and headers; docs/PROTOCOL.md describes each. */
public final class Endpoints {
    /** WebSocket: the sync conversation. */
    public static final String SYNC = "/api/v1/sync";
    /** PUT one chunk at /api/v1/chunks/{hash}; HEAD to ask whether it is stored; GET its bytes (restore). */
    public static final String CHUNKS = "/api/v1/chunks";
    /** POST many chunks in one body of media type {@link #CHUNK_BATCH_TYPE}. */
    public static final String CHUNK_BATCH = "/api/v1/chunks/batch";
    /** POST a JSON list of hashes; the answer lists those not stored. */
    public static final String CHUNK_MISSING = "/api/v1/chunks/missing";
    /**
     * POST a JSON list of hashes; the answer is a {@link #CHUNK_BATCH_TYPE} body of the chunks held, in request
     * order (restore downloads many chunks a request this way).
     */
    public static final String CHUNK_FETCH = "/api/v1/chunks/fetch";
    /** GET the store's status as JSON. */
    public static final String STATUS = "/api/v1/status";
    /** POST: re-hash the chunk store and the mirror against the index; {@code ?repair=true} fixes what it can. */
    public static final String VERIFY = "/api/v1/verify";
    /** GET the folders of a store that serves many ({@code ferry.store.folders}). */
    public static final String FOLDERS = "/api/v1/folders";
    /**
     * Query parameter naming the folder of a request on a store with many folders: the WebSocket upgrade and every
     * REST endpoint. Absent: the unnamed folder (a store of one folder).
     */
    public static final String FOLDER_PARAM = "folder";
    /**
     * GET ?path=P: a path's kept versions; {@code /tree?dir=D&at=T}: a folder as it stood at T (one manifest a line);
     * {@code /file?path=P&at=T}: a file's bytes as of T.
     */
    public static final String VERSIONS = "/api/v1/versions";
    /** GET ?dir=D&at=T under {@link #VERSIONS}. */
    public static final String VERSIONS_TREE = "/api/v1/versions/tree";
    /** GET ?path=P&at=T under {@link #VERSIONS}. */
    public static final String VERSIONS_FILE = "/api/v1/versions/file";
    /** GET ?limit=N under {@link #VERSIONS}: the folder's newest kept versions, newest first. */
    public static final String VERSIONS_RECENT = "/api/v1/versions/recent";
    /** Media type of a chunk batch, see {@link ChunkBatchFormat}. */
    public static final String CHUNK_BATCH_TYPE = "application/x-ferry-chunks";
    /**
     * Media type of a chunk batch of coded records (each says its {@link ChunkCodec} and both lengths), see
     * {@link ChunkBatchFormat}; sent only to a store whose welcome lists a codec in {@code chunkCodecs}.
     */
    public static final String CHUNK_BATCH_CODED_TYPE = "application/x-ferry-chunks-2";

    private Endpoints() {
    }
}
