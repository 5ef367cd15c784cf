package dev.ferry.watcher.rest;

import dev.ferry.watcher.progress.Progress;
import io.quarkus.runtime.annotations.RegisterForReflection;

import dev.ferry.watcher.sync.RecentChanges;

import java.time.Instant;
import java.util.List;

/**
 * The body of GET /status; {@code progress} has the work done and queued, its rates and the time left;
 * {@code deletesHeld} counts the entries whose deletion the delete brake holds, {@code deletesHeldReason} says why
 * and how to release them (null when nothing is held).
 * {@code inSyncSince}: since when the store has confirmed the mirror (null while not confirmed); {@code paused} and
 * {@code pausedSince}: sending stopped by {@code ferry-watcher pause}, {@code changesWhilePaused} the changes found
 * since (sent on resume); {@code bwlimit} the bandwidth limit as a RATE ({@code 0}: none) and
 * {@code bwlimitBytesPerSecond}; {@code lastErrorAt} when {@code lastError} happened; {@code recentChanges} the last
 * changes the store acknowledged, newest first.
 * {@code bytesUploaded} counts the raw bytes of the chunks uploaded, {@code bytesUploadedOnWire} the request bodies
 * that carried them (compressed, with record headers).
 */
@RegisterForReflection
public record WatcherStatus(String source, String store, boolean connected, String state, long filesKnown,
                            long bytesKnown, int pendingBatches, long chunksUploaded, long bytesUploaded,
                            long bytesUploadedOnWire,
                            Instant lastSyncAt, String lastError, Progress progress, long deletesHeld,
                            String deletesHeldReason, Instant inSyncSince, boolean paused, Instant pausedSince,
                            long changesWhilePaused, String bwlimit, long bwlimitBytesPerSecond, Instant lastErrorAt,
                            List<RecentChanges.Entry> recentChanges) {
}
