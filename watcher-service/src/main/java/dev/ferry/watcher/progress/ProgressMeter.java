package dev.ferry.watcher.progress;

import dev.ferry.watcher.sync.SyncStatus;

import java.util.ArrayDeque;

/**
 * Measures a watcher's progress: samples its counters on every tick and derives hashing and upload rates over a
 * sliding window, so a rate follows the last seconds, not the whole run. Thread-safe.
 */
public final class ProgressMeter {
    private record Sample(long nanos, long bytesHashed, long bytesUploaded) {
    }

    private final SyncStatus status;
    private final long windowNanos;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    public ProgressMeter(SyncStatus status, java.time.Duration window) {
        this.status = status;
        this.windowNanos = window.toNanos();
    }

    /** Takes a sample now and returns the progress with the rates over the window. */
    public synchronized Progress sample(long nowNanos) {
        SyncStatus.Work w = status.work();
        Sample s = new Sample(nowNanos, w.bytesHashed(), status.bytesUploaded());
        samples.addLast(s);
        while (samples.size() > 2 && nowNanos - samples.peekFirst().nanos() > windowNanos) {
            samples.removeFirst();
        }
        return compute(w, s);
    }

    /** The progress now, with the rates of the samples taken so far (none is added). */
    public synchronized Progress current(long nowNanos) {
        SyncStatus.Work w = status.work();
        return compute(w, new Sample(nowNanos, w.bytesHashed(), status.bytesUploaded()));
    }

    private Progress compute(SyncStatus.Work w, Sample now) {
        double hashRate = 0;
        double uploadRate = 0;
        Sample first = samples.peekFirst();
        if (first != null && now.nanos() - first.nanos() > 0) {
            double seconds = (now.nanos() - first.nanos()) / 1e9;
            hashRate = Math.max(0, now.bytesHashed() - first.bytesHashed()) / seconds;
            uploadRate = Math.max(0, now.bytesUploaded() - first.bytesUploaded()) / seconds;
        }
        long hashQueued = w.bytesQueuedForHashing();
        long uploadQueued = w.bytesQueuedForUpload();
        return new Progress(w.filesHashed() + w.filesQueuedForHashing(), now.bytesHashed() + hashQueued,
                w.filesHashed(), now.bytesHashed(),
                status.chunksUploaded() + w.chunksQueuedForUpload(), now.bytesUploaded() + uploadQueued,
                status.chunksUploaded(), now.bytesUploaded(), hashRate, uploadRate,
                Progress.eta(hashQueued, hashRate, uploadQueued, uploadRate));
    }
}
