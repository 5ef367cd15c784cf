package dev.ferry.watcher.scan;

import dev.ferry.chunker.Chunker;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Cuts a file into chunks and builds its manifest, refusing a half-written file: the file is stat'ed before and
 * after (size, mtime, inode) and must also yield exactly its size in bytes, or the result is {@link HashResult.Unstable}.
 * Memory is bounded by the chunker's buffer whatever the file size. Not thread-safe: one per hashing thread.
 */
public final class FileHasher {
    private final Chunker chunker;
    private final SourceScanner scanner;
    private final ChunkChecksums checksums;
    private final AtomicLong bytesHashed = new AtomicLong();
    private final AtomicLong filesHashed = new AtomicLong();
    private final AtomicLong filesPlanned = new AtomicLong();
    private final AtomicLong bytesPlanned = new AtomicLong();

    public FileHasher(Chunker chunker, SourceScanner scanner) {
        this(chunker, scanner, ChunkChecksums.NONE);
    }

    /** Also records every chunk's CRC-32C in {@code checksums}, for the uploader's cheap read-back check. */
    public FileHasher(Chunker chunker, SourceScanner scanner, ChunkChecksums checksums) {
        this.chunker = chunker;
        this.scanner = scanner;
        this.checksums = checksums;
    }

    public ChunkerParams params() {
        return chunker.params();
    }

    /**
     * Announces {@code files} files of {@code bytes} bytes about to be hashed (for progress: they count as queued
     * until {@link #hash} takes each, or {@link #planDone} drops what is left).
     */
    public void plan(long files, long bytes) {
        filesPlanned.addAndGet(files);
        bytesPlanned.addAndGet(bytes);
    }

    /** The planned hashing is over: nothing is queued any more. */
    public void planDone() {
        filesPlanned.set(0);
        bytesPlanned.set(0);
    }

    /** Files announced by {@link #plan} and not hashed yet. */
    public long filesQueued() {
        return filesPlanned.get();
    }

    /** Bytes of the files announced by {@link #plan} and not hashed yet. */
    public long bytesQueued() {
        return bytesPlanned.get();
    }

    /** Hashes the file {@code before} describes (a {@link EntryType#FILE} from a fresh stat). */
    public HashResult hash(ScannedEntry before) {
        try {
            return hashNow(before);
        } finally {
            filesPlanned.updateAndGet(n -> Math.max(0, n - 1));
            bytesPlanned.updateAndGet(n -> Math.max(0, n - before.size()));
        }
    }

    private HashResult hashNow(ScannedEntry before) {
        List<ChunkRef> chunks = new ArrayList<>((int) Math.min(1 << 16, before.size() / (chunker.params().avgSize()) + 1));
        long[] total = {0};
        // Opened through the folder handles from the source root: a folder on the way swapped for a link is not followed.
        try (InputStream in = Channels.newInputStream(scanner.open(before.path(), before.inode()))) {
            chunker.split(in, before.size(), (chunk, buf, off) -> {
                chunks.add(ChunkRef.of(chunk));
                checksums.hashed(chunk.hash(), buf, off, chunk.length());
                total[0] += chunk.length();
                if (total[0] > before.size()) {
                    throw new GrewWhileReading();
                }
            });
        } catch (GrewWhileReading e) {
            return new HashResult.Unstable();
        } catch (NoSuchFileException e) {
            return new HashResult.Vanished();
        } catch (IOException e) {
            if (gone(before)) {
                return new HashResult.Vanished();
            }
            return new HashResult.Unreadable(SourceScanner.describe(e));
        }
        bytesHashed.addAndGet(total[0]);
        ScannedEntry after;
        try {
            after = scanner.stat(before.path());
        } catch (IOException e) {
            return new HashResult.Unreadable(SourceScanner.describe(e));
        }
        if (after == null || after.type() != EntryType.FILE) {
            return new HashResult.Vanished();
        }
        if (total[0] != before.size() || !after.sameStat(before.inode(), before.size(), before.mtimeNs())) {
            return new HashResult.Unstable();
        }
        filesHashed.incrementAndGet();
        return new HashResult.Hashed(Manifest.file(after.path(), after.mode(), after.mtimeNs(), after.size(), chunks), after);
    }

    private boolean gone(ScannedEntry before) {
        try {
            ScannedEntry now = scanner.stat(before.path());
            return now == null || now.type() != EntryType.FILE || now.inode() != before.inode();
        } catch (IOException e) {
            return false;
        }
    }

    public long bytesHashed() {
        return bytesHashed.get();
    }

    public long filesHashed() {
        return filesHashed.get();
    }

    /** Thrown from the chunk sink to stop reading a file that grew past its stat'ed size. */
    private static final class GrewWhileReading extends RuntimeException {
        GrewWhileReading() {
            super("file grew while being read", null, false, false);
        }
    }
}
