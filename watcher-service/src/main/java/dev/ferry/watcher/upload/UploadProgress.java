package dev.ferry.watcher.upload;

/** Where the uploader reports what it sent and what went wrong; implemented by the sync status above this package. */
public interface UploadProgress {

    /**
     * {@code chunks} uploaded: {@code bytes} raw bytes of chunks, sent as {@code wireBytes} bytes of request body
     * (record headers included, compressed chunks at their compressed size).
     */
    void uploaded(int chunks, long bytes, long wireBytes);

    /** A problem the user should see (in /status and the progress line); null clears it. */
    void error(String message);
}
