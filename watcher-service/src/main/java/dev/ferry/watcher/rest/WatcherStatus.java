package dev.ferry.watcher.rest;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/** The body of GET /status. */
@RegisterForReflection
public record WatcherStatus(String source, String store, boolean connected, String state, long filesKnown,
                            long bytesKnown, int pendingBatches, long chunksUploaded, long bytesUploaded,
                            Instant lastSyncAt, String lastError) {
}
