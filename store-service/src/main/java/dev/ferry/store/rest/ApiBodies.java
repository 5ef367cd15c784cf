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

    /**
     * The store at a glance (GET /api/v1/status, also what the status page shows). {@code mirrorBytes} is the size
     * of every file in the mirror added up; {@code bytesStored} the bytes of chunks kept in packs (those no mirror file
     * holds); {@code dedupRatio} the file bytes written into the mirror per new chunk byte uploaded since start (1 without
     * sharing, about 4 for four copies of one file); {@code lagSeconds} is the age of the oldest change batch not yet
     * applied completely; {@code diskFreeBytes} is free space on DEST's file system (-1 when unknown);
     * {@code auditUnremovable} counts foreign entries of DEST the last audit could not remove (0 for a mirror).
     */
    public record Status(String dest, String storeId, long chunksStored, long bytesStored, long filesInIndex,
                         long pendingFiles, String connectedWatcher, String lastApplied, long entriesApplied,
                         long chunksReceived, long bytesReceived, long chunksDeduplicated, long bytesDeduplicated,
                         long corruptChunks, long auditRepairs, String rootDigest, long mirrorBytes, double dedupRatio,
                         int pendingBatches, double lagSeconds, long diskFreeBytes, List<Watcher> watchers,
                         List<Change> recentChanges, int auditUnremovable, VersionsSummary versions) {
    }

    /** Kept versions at a glance: how many, their files' bytes, the budget, and how many retention removed. */
    public record VersionsSummary(long count, long bytes, long budgetBytes, long pruned) {
    }

    /** GET /api/v1/versions: a path's current entry (or null) and its kept versions, newest first. */
    public record Versions(String path, Current current, List<Version> versions) {
    }

    /** The current entry of a path: {@code since} is when it was applied in DEST. */
    public record Current(String type, long size, int mode, String mtime, String since) {
    }

    /** A kept version: it stood from {@code from} until {@code to}, when it was modified, deleted or moved. */
    public record Version(String from, String to, String reason, String type, long size, int mode, String mtime,
                          String target) {
    }

    /** GET /api/v1/versions/recent: the folder's newest kept versions, newest first. */
    public record RecentVersions(List<RecentVersion> versions) {
    }

    /** A kept version of any path: what stood at {@code path} from {@code from} until {@code to}. */
    public record RecentVersion(String path, String from, String to, String reason, String type, long size) {
    }

    /** A connected watcher: its id from hello and since when (ISO-8601). */
    public record Watcher(String clientId, String connectedSince) {
    }

    /** An applied change: when (ISO-8601), upsert, delete or move, and the path. */
    public record Change(String at, String op, String path) {
    }
}
