package dev.ferry.watcher.progress;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The work of a watcher at one moment, as /status shows it and the progress line draws it. Totals count since the
 * watcher started: what was done plus what is queued now. Rates are bytes per second over the last seconds;
 * {@code etaSeconds} is null while a rate is unknown.
 */
@RegisterForReflection
public record Progress(long filesToHash, long bytesToHash, long filesHashed, long bytesHashed,
                       long chunksToUpload, long bytesToUpload, long chunksUploaded, long bytesUploaded,
                       double hashRate, double uploadRate, Double etaSeconds) {

    /** Nothing done, nothing queued. */
    public static final Progress NONE = new Progress(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.0);

    public long bytesQueuedForHashing() {
        return Math.max(0, bytesToHash - bytesHashed);
    }

    public long bytesQueuedForUpload() {
        return Math.max(0, bytesToUpload - bytesUploaded);
    }

    /** True while files wait to be hashed. */
    public boolean hashing() {
        return filesToHash > filesHashed;
    }

    /** True while chunks wait to be uploaded. */
    public boolean uploading() {
        return chunksToUpload > chunksUploaded;
    }

    /**
     * Seconds until the queued work is done at the given rates: hashing what is queued, then uploading what is
     * queued; null when something is queued at a rate of zero (not measured yet).
     */
    static Double eta(long hashBytesLeft, double hashRate, long uploadBytesLeft, double uploadRate) {
        double seconds = 0;
        if (hashBytesLeft > 0) {
            if (hashRate <= 0) {
                return null;
            }
            seconds += hashBytesLeft / hashRate;
        }
        if (uploadBytesLeft > 0) {
            if (uploadRate <= 0) {
                return null;
            }
            seconds += uploadBytesLeft / uploadRate;
        }
        return seconds;
    }
}
