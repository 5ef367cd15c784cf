package dev.ferry.watcher.restore;

import dev.ferry.watcher.control.ByteSize;

import java.util.Locale;

/** What a restore did: entries by type, bytes written, fetched from the store and reused locally, problems. */
public final class RestoreReport {
    long files;
    long folders;
    long links;
    long bytesWritten;
    long bytesDownloaded;
    long bytesReused;
    long chunksDownloaded;
    long skipped;
    long refused;
    private final long startNanos = System.nanoTime();
    private long endNanos;

    void finish() {
        endNanos = System.nanoTime();
    }

    public long entries() {
        return files + folders + links;
    }

    public long files() {
        return files;
    }

    public long folders() {
        return folders;
    }

    public long links() {
        return links;
    }

    /** Bytes of the files written (a file already holding the content is not rewritten and counts none). */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Chunk bytes fetched from the store. */
    public long bytesDownloaded() {
        return bytesDownloaded;
    }

    public long chunksDownloaded() {
        return chunksDownloaded;
    }

    /** Chunk bytes taken from local files (TARGET, SOURCE, or the file being written) instead of the store. */
    public long bytesReused() {
        return bytesReused;
    }

    /** Entries left as they were: something else in the way, or a file that differs without --overwrite. */
    public long skipped() {
        return skipped;
    }

    /** Entries the store sent that break the path rules or lie outside the restored folder: never written. */
    public long refused() {
        return refused;
    }

    /** True when every entry the store sent was restored. */
    public boolean complete() {
        return skipped == 0 && refused == 0;
    }

    public double seconds() {
        return ((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos) / 1e9;
    }

    /** The one closing line: entries, bytes written, downloaded, reused locally, seconds. */
    public String line() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "restored %d entries (%d files, %d folders, %d links) in %.2f s: "
                        + "%d bytes written (%s), %d bytes downloaded (%s), %d bytes reused locally (%s)",
                entries(), files, folders, links, seconds(), bytesWritten, ByteSize.format(bytesWritten),
                bytesDownloaded, ByteSize.format(bytesDownloaded), bytesReused, ByteSize.format(bytesReused)));
        if (skipped > 0) {
            sb.append("; ").append(skipped).append(" not restored (in the way, see above)");
        }
        if (refused > 0) {
            sb.append("; ").append(refused).append(" refused (bad paths from the store)");
        }
        return sb.toString();
    }
}
