package dev.ferry.protocol;

/**
 * Every error code Ferry sends, in one place: in an {@code error} frame of the sync WebSocket, in an item of
 * {@code ack.failed}, or in a REST error body {@code {"error": code, "message": text}}. Each has its wire string
 * and, where it has one, the HTTP status of its REST answer and the WebSocket close code of a refusal that closes.
 * docs/PROTOCOL.md's table "All error codes" lists them (ErrorCodeTest keeps the two equal).
 */
public enum ErrorCode {
    // ---- sync WebSocket: error frames --------------------------------------------------------------------------
    /** A hello of a protocol version the store does not speak. */
    VERSION("version", 0, Close.PROTOCOL_ERROR),
    /** A hello from a source other than the store's owner, or a take-over while the owner is connected. */
    WRONG_SOURCE("wrong-source", 0, Close.VIOLATED_POLICY),
    /** A hello whose chunker parameters differ from the store's. */
    CHUNKER_MISMATCH("chunker-mismatch", 0, Close.PROTOCOL_ERROR),
    /**
     * Malformed JSON, an unknown type, an invalid value or a message out of order; in {@code ack.failed}, an item
     * that makes no sense; over REST, a body of the wrong shape.
     */
    BAD_MESSAGE("bad-message", 400, Close.PROTOCOL_ERROR),
    /** A frame, a batch, a request or a session over its limit (docs/PROTOCOL.md "Limits"). */
    TOO_LARGE("too-large", 413, Close.TOO_BIG),
    /** A newer hello of the same source replaced this session. */
    REPLACED("replaced", 0, Close.NORMAL),
    /** An unexpected failure of the store (one line, no stack trace). */
    INTERNAL("internal", 500, Close.UNEXPECTED_CONDITION),
    /**
     * The store cannot write or fsync its index journal: it closes the session and, until the journal is rewritten,
     * refuses new ones with {@link Close#TRY_AGAIN_LATER}.
     */
    JOURNAL_FAILED("journal-failed", 0, Close.UNEXPECTED_CONDITION),

    // ---- ack.failed items -----------------------------------------------------------------------------------------
    /** An item's path breaks the path rules, resolves to {@code .ferry}, or the file system cannot hold the name. */
    BAD_PATH("bad-path", 0, 0),
    /** The file (or, over REST, the chunk) would pass {@code ferry.store.quota}; nothing of it is written. */
    QUOTA_EXCEEDED("quota-exceeded", 507, 0),
    /** Files waiting for chunks already hold {@code max-session-bytes}: the watcher sends the item again later. */
    SESSION_LIMIT("session-limit", 0, 0),
    /** A patch whose base the store does not hold: the watcher sends the entry's full manifest. */
    BASE_UNKNOWN("base-unknown", 0, 0),
    /** The store's disk refused an apply (permission, full disk, ...). */
    IO_ERROR("io-error", 0, 0),

    // ---- REST -------------------------------------------------------------------------------------------------------
    /** A chunk hash that is not 64 hex digits. */
    BAD_HASH("bad-hash", 400, 0),
    /** A chunk whose bytes do not hash to its name (or an empty one). */
    HASH_MISMATCH("hash-mismatch", 400, 0),
    /** A chunk batch that ends inside a record. */
    TRUNCATED("truncated", 400, 0),
    /** A coded chunk record with an unknown codec, lying lengths or a frame that does not decode. */
    BAD_COMPRESSION("bad-compression", 400, 0),
    /** A body of another media type than the endpoint takes. */
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415, 0),
    /** The store's disk is full: chunk uploads are refused until space is freed. */
    DISK_FULL("disk-full", 507, 0),
    /** The store's disk is read-only: chunk uploads are refused. */
    READ_ONLY("read-only", 503, 0),
    /** A missing or wrong bearer token (also the upgrade of the sync WebSocket). */
    UNAUTHORIZED("unauthorized", 401, 0),
    /** A browser request from another site, or without a token to a host that is not the listen address. */
    FORBIDDEN("forbidden", 403, 0),
    /**
     * A store with many folders and a request (or WebSocket upgrade) that names none: the message names the
     * folders and {@code --folder}.
     */
    FOLDER_REQUIRED("folder-required", 404, Close.VIOLATED_POLICY),
    /** A request naming a folder the store does not serve (or any folder, on a store of one folder). */
    NO_SUCH_FOLDER("no-such-folder", 404, Close.VIOLATED_POLICY),
    /** A folder's token used for another folder, or for what only the admin token ({@code FERRY_TOKEN}) opens. */
    WRONG_FOLDER("wrong-folder", 403, 0),
    /** A request the REST layer cannot read (status 400 without a code of its own). */
    BAD_REQUEST("bad-request", 400, 0),
    /** No such REST resource. */
    NOT_FOUND("not-found", 404, 0),
    /** A REST resource asked with a method it does not take. */
    METHOD_NOT_ALLOWED("method-not-allowed", 405, 0),
    /** Watcher control API: a bandwidth rate that does not parse. */
    BAD_RATE("bad-rate", 400, 0),
    /** Version history: a moment ({@code at}) that is not an ISO-8601 instant. */
    BAD_TIME("bad-time", 400, 0),
    /** Watcher control API: the watcher is not running (yet) and cannot take the command. */
    NOT_RUNNING("not-running", 409, 0);

    /** WebSocket close codes (RFC 6455 section 7.4.1) the store closes a refused session with. */
    public static final class Close {
        public static final int NORMAL = 1000;
        public static final int PROTOCOL_ERROR = 1002;
        public static final int VIOLATED_POLICY = 1008;
        public static final int TOO_BIG = 1009;
        public static final int UNEXPECTED_CONDITION = 1011;
        public static final int TRY_AGAIN_LATER = 1013;

        private Close() {
        }
    }

    private final String wire;
    private final int httpStatus;
    private final int closeCode;

    ErrorCode(String wire, int httpStatus, int closeCode) {
        this.wire = wire;
        this.httpStatus = httpStatus;
        this.closeCode = closeCode;
    }

    /** The code as it goes on the wire, e.g. {@code bad-message}. */
    public String wire() {
        return wire;
    }

    /** The HTTP status of a REST answer with this code; 0 when it is never one. */
    public int httpStatus() {
        return httpStatus;
    }

    /** The WebSocket close code when a refusal with this code closes the session; 0 when it never closes one. */
    public int closeCode() {
        return closeCode;
    }

    /** The code with this wire string, or null for one this build does not know (a newer peer's). */
    public static ErrorCode fromWire(String wire) {
        for (ErrorCode c : values()) {
            if (c.wire.equals(wire)) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return wire;
    }
}
