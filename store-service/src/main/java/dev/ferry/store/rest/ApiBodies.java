package dev.ferry.store.rest;

import java.util.List;

/** The JSON bodies of the REST API. */
public final class ApiBodies {
    private ApiBodies() {
    }

    /** Every error: a code and a sentence. */
    public record Error(String error, String message) {
    }

    /** A batch upload refused at one record; the {@code stored} records before it are kept. */
    public record BatchError(String error, String message, int stored) {
    }

    /** One chunk upload: {@code stored} or {@code present}. */
    public record Stored(String hash, String result) {
    }

    /** A batch upload: chunks newly stored and chunks the store already had. */
    public record BatchResult(int stored, int present) {
    }

    /** Hashes (hex) to look up. */
    public record MissingRequest(List<String> chunks) {
    }

    /** The hashes of the request that the store does not hold. */
    public record MissingResponse(List<String> missing) {
    }

    /** The store at a glance. */
    public record Status(String dest, String storeId, long chunksStored, long bytesStored, long filesInIndex,
                         long pendingFiles, String connectedWatcher, String lastApplied, long entriesApplied,
                         long chunksReceived, long bytesReceived, long chunksDeduplicated, long bytesDeduplicated,
                         long corruptChunks, long auditRepairs, String rootDigest, long gcRuns,
                         long chunksCollected, long bytesCollected) {
    }
}
