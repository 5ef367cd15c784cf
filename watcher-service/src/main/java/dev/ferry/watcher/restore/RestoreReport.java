package dev.ferry.watcher.restore;

import dev.ferry.watcher.control.ByteSize;

import java.util.Locale;

/**
 * What a restore did: entries by type, bytes written, fetched from the store and reused locally, problems. Counted
 * by the restore's writer threads (synchronized), read once it is over.
 */
public final class RestoreReport {
    private long files;
    private long folders;
    private long links;
    private long bytesWritten;
    private long bytesDownloaded;
    private long bytesReused;
    private long chunksDownloaded;
    private long skipped;
    private long refused;
    private final long startNanos = System.nanoTime();
    private long endNanos;

    synchronized void finish() {
        endNanos = System.nanoTime();
    }

    synchronized void addFile(long written, long downloaded, long reused) {
        files++;
        bytesWritten += written;
        bytesDownloaded += downloaded;
        bytesReused += reused;
    }

    synchronized void addDownloads(long chunks) {
        chunksDownloaded += chunks;
    }

    synchronized void addFolder() {
        folders++;
    }

    synchronized void addLink() {
        links++;
    }

    synchronized void addSkipped() {
        skipped++;
    }

    synchronized void addRefused() {
        refused++;
    }

    public synchronized long entries() {
        return files + folders + links;
    }

    public synchronized long files() {
        return files;
    }

    public synchronized long folders() {
        return folders;
    }

    public synchronized long links() {
        return links;
    }

    /** Bytes of the files written (a file already holding the content is not rewritten and counts none). */
    public synchronized long bytesWritten() {
        return bytesWritten;
    }

    /** Chunk bytes fetched from the store. */
    public synchronized long bytesDownloaded() {
        return bytesDownloaded;
    }

    public synchronized long chunksDownloaded() {
        return chunksDownloaded;
    }

    /** Chunk bytes taken from local files (TARGET, SOURCE, or the file being written) instead of the store. */
    public synchronized long bytesReused() {
        return bytesReused;
    }

    /** Entries left as they were: something else in the way, or a file that differs without --overwrite. */
    public synchronized long skipped() {
        return skipped;
    }

    /** Entries the store sent that break the path rules or lie outside the restored folder: never written. */
    public synchronized long refused() {
        return refused;
    }

    /** True when every entry the store sent was restored. */
    public synchronized boolean complete() {
        return skipped == 0 && refused == 0;
    }

    public synchronized double seconds() {
        return ((endNanos == 0 ? System.nanoTime() : endNanos) - startNanos) / 1e9;
    }

    /** The one closing line: entries, bytes written, downloaded, reused locally, seconds. */
    public synchronized String line() {
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
