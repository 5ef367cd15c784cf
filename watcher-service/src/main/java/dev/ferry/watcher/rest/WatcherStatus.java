package dev.ferry.watcher.rest;

import dev.ferry.watcher.progress.Progress;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * The body of GET /status; {@code progress} has the work done and queued, its rates and the time left;
 * {@code deletesHeld} counts the entries whose deletion the delete brake holds, {@code deletesHeldReason} says why
 * and how to release them (null when nothing is held). {@code bytesUploaded} counts the raw bytes of the chunks
 * uploaded, {@code bytesUploadedOnWire} the request bodies that carried them (compressed, with record headers).
 */
@RegisterForReflection
public record WatcherStatus(String source, String store, boolean connected, String state, long filesKnown,
                            long bytesKnown, int pendingBatches, long chunksUploaded, long bytesUploaded,
                            long bytesUploadedOnWire,
                            Instant lastSyncAt, String lastError, Progress progress, long deletesHeld,
                            String deletesHeldReason) {
}
