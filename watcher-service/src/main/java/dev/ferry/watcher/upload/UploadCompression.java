package dev.ferry.watcher.upload;

/** The setting {@code ferry.watcher.compress}: whether chunks may go compressed to a store that accepts them. */
public enum UploadCompression {
    /** Compress each chunk that pays, when the store decodes zstd. */
    AUTO,
    /** Send every chunk raw. */
    OFF
}
