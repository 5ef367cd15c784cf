package dev.ferry.watcher.rest;

import dev.ferry.watcher.progress.Progress;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * The body of GET /status; {@code progress} has the work done and queued, its rates and the time left;
 * {@code deletesHeld} counts the entries whose deletion the delete brake holds, {@code deletesHeldReason} says why
 * and how to release them (null when nothing is held).
 */
@RegisterForReflection
public record WatcherStatus(String source, String store, boolean connected, String state, long filesKnown,
                            long bytesKnown, int pendingBatches, long chunksUploaded, long bytesUploaded,
                            Instant lastSyncAt, String lastError, Progress progress, long deletesHeld,
                            String deletesHeldReason) {
}
