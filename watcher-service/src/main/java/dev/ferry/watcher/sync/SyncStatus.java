package dev.ferry.watcher.sync;

import dev.ferry.watcher.upload.UploadProgress;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Live counters and flags of one running watcher, read by the status endpoint, health checks, the progress display
 * and the Prometheus metrics ({@code dev.ferry.watcher.metrics.WatcherMetrics} publishes each one: add a line there
 * for a new counter).
 */
public final class SyncStatus implements UploadProgress {
    /** What the hasher and the uploader have done and have queued (all 0 until both exist and are bound). */
    public interface Work {
        default long filesHashed() {
            return 0;
        }

        default long bytesHashed() {
            return 0;
        }

        /** Files the current scan found changed and has not hashed yet. */
        default long filesQueuedForHashing() {
            return 0;
        }

        default long bytesQueuedForHashing() {
            return 0;
        }

        /** Chunks the store asked for that are not uploaded yet. */
        default long chunksQueuedForUpload() {
            return 0;
        }

        default long bytesQueuedForUpload() {
            return 0;
        }
    }

    private static final Work NO_WORK = new Work() {
    };

    private final String source;
    private final String store;
    private final AtomicLong chunksUploaded = new AtomicLong();
    private final AtomicLong bytesUploaded = new AtomicLong();
    private final AtomicLong bytesUploadedOnWire = new AtomicLong();
    private volatile boolean connected;
    private volatile boolean scanning;
    private volatile boolean inSync;
    private volatile Instant lastSyncAt;
    private volatile boolean confirmedOnce;
    private volatile String lastError;
    /** Why the store refuses this watcher until an operator acts (token, folder, source); null when it does not. */
    private volatile String refusal;
    private volatile LongSupplier filesKnown = () -> 0;
    private volatile LongSupplier bytesKnown = () -> 0;
    private volatile IntSupplier pendingBatches = () -> 0;
    private volatile Work work = NO_WORK;
    private volatile DeleteBrake brake = DeleteBrake.off();
    private final RecentChanges recentChanges = new RecentChanges();
    private volatile Instant inSyncSince;
    private volatile Instant lastErrorAt;
    /** When sending was paused (ferry-watcher pause); null while not paused. */
    private volatile Instant pausedSince;
    private final AtomicLong changesWhilePaused = new AtomicLong();

    public SyncStatus(String source, String store) {
        this.source = source;
        this.store = store;
    }

    void bind(LongSupplier files, LongSupplier bytes, IntSupplier batches) {
        this.filesKnown = files;
        this.bytesKnown = bytes;
        this.pendingBatches = batches;
    }

    void bind(DeleteBrake deleteBrake) {
        this.brake = deleteBrake;
    }

    /** Entries whose deletion the brake holds (0 when none). */
    public long deletesHeld() {
        return brake.heldEntries();
    }

    /** What the brake holds and how to release it; null when it holds nothing. */
    public String deletesHeldMessage() {
        return brake.message();
    }

    /** Binds the hasher's and uploader's counters. */
    public void bindWork(Work work) {
        this.work = work;
    }

    /** The hasher's and uploader's counters (zeros until bound). */
    public Work work() {
        return work;
    }

    public String source() {
        return source;
    }

    public String store() {
        return store;
    }

    /**
     * scanning, paused, refused (the store refuses this watcher: see {@link #refusal()}), disconnected, syncing or
     * idle (connected and confirmed in sync).
     */
    public String state() {
        if (scanning) {
            return "scanning";
        }
        if (pausedSince != null) {
            return "paused";
        }
        if (!connected) {
            return refusal != null ? "refused" : "disconnected";
        }
        return inSync && pendingBatches.getAsInt() == 0 ? "idle" : "syncing";
    }

    public boolean connected() {
        return connected;
    }

    public boolean inSync() {
        return inSync;
    }

    public long filesKnown() {
        return filesKnown.getAsLong();
    }

    public long bytesKnown() {
        return bytesKnown.getAsLong();
    }

    public int pendingBatches() {
        return pendingBatches.getAsInt();
    }

    public long chunksUploaded() {
        return chunksUploaded.get();
    }

    public long bytesUploaded() {
        return bytesUploaded.get();
    }

    public Instant lastSyncAt() {
        return lastSyncAt;
    }

    public String lastError() {
        return lastError;
    }

    public void uploaded(int chunks, long bytes) {
        uploaded(chunks, bytes, bytes);
    }

    @Override
    public void uploaded(int chunks, long bytes, long wireBytes) {
        chunksUploaded.addAndGet(chunks);
        bytesUploaded.addAndGet(bytes);
        bytesUploadedOnWire.addAndGet(wireBytes);
    }

    /** Bytes of the chunk upload bodies the store accepted: {@link #bytesUploaded()} after compression, with headers. */
    public long bytesUploadedOnWire() {
        return bytesUploadedOnWire.get();
    }

    @Override
    public void error(String message) {
        lastError = message;
        lastErrorAt = message == null ? null : Instant.now();
    }

    /**
     * The store refused this watcher for a reason only an operator can fix (token, folder, source): not an outage.
     * Also the last error; cleared when a store welcomes this watcher.
     */
    public void refused(String why) {
        refusal = why;
        error(why);
    }

    /** Why the store refuses this watcher; null when it does not (or has not said so since the last welcome). */
    public String refusal() {
        return refusal;
    }

    /** When {@link #lastError()} was recorded; null when there is none. */
    public Instant lastErrorAt() {
        return lastErrorAt;
    }

    /** Since when the store has confirmed the mirror equal to the source, with nothing sent since; null when not. */
    public Instant inSyncSince() {
        return inSync ? inSyncSince : null;
    }

    /** The last changes the store acknowledged, newest first. */
    public RecentChanges recentChanges() {
        return recentChanges;
    }

    /** Sending paused since {@code since}, or resumed (null). */
    public void paused(Instant since) {
        pausedSince = since;
        if (since == null) {
            changesWhilePaused.set(0);
        }
    }

    /** When sending was paused; null while it is not. */
    public Instant pausedSince() {
        return pausedSince;
    }

    /** Changes found in the source while paused (a path changed twice counts twice): sent on resume. */
    public long changesWhilePaused() {
        return changesWhilePaused.get();
    }

    void changedWhilePaused() {
        if (pausedSince != null) {
            changesWhilePaused.incrementAndGet();
        }
    }

    void connected(boolean value) {
        connected = value;
        if (value) {
            refusal = null;
        } else {
            inSync = false;
        }
    }

    void scanning(boolean value) {
        scanning = value;
    }

    void inSync(boolean value) {
        if (value && !inSync) {
            inSyncSince = Instant.now();
        }
        inSync = value;
    }

    void synced(Instant at) {
        lastSyncAt = at;
    }

    void confirmed() {
        confirmedOnce = true;
    }

    /** True once the store has confirmed the mirror at least once (the initial sync is over). */
    public boolean confirmedOnce() {
        return confirmedOnce;
    }
}
