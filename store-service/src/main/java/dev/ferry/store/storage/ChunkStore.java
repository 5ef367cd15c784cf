package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Content-addressed chunk files at {@code .ferry/chunks/ab/<64 hex>}. A chunk is hashed before it is kept, written
 * to {@code tmp/} and renamed into place, so a name always holds the complete bytes of that hash; every read
 * hashes the bytes again, and a chunk that no longer matches is deleted and reported missing, never used.
 *
 * <p>Chunks are not fsynced: a materialized file is fsynced before its rename, every read verifies the chunk, and a
 * chunk lost in a crash is simply reported missing and uploaded again. An fsync per chunk would cost one disk
 * flush per 64 KiB for no gain in safety. Thread-safe.
 */
@Singleton
public class ChunkStore {
    private static final Logger LOG = Logger.getLogger(ChunkStore.class);

    /** What {@link #put} did. */
    public enum Stored { STORED, PRESENT }

    private final Path chunksDir;
    private final Path tmpDir;
    private final int maxChunk;
    private final AtomicLong chunks = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    /** While a garbage collection runs: every chunk looked up, read or stored meanwhile (it may be needed). */
    private volatile Set<ChunkHash> accessed;

    @Inject
    public ChunkStore(StoreLayout layout) throws IOException {
        this(layout.chunksDir(), layout.tmpDir(), ChunkerParams.DEFAULT.maxSize());
    }

    ChunkStore(Path chunksDir, Path tmpDir, int maxChunk) throws IOException {
        this.chunksDir = chunksDir;
        this.tmpDir = tmpDir;
        this.maxChunk = maxChunk;
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < 256; i++) {
            Files.createDirectories(chunksDir.resolve(hex.toHexDigits((byte) i)));
        }
        count();
    }

    private void count() throws IOException {
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(chunksDir)) {
            for (Path fan : fans) {
                if (!Files.isDirectory(fan, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        chunks.incrementAndGet();
                        bytes.addAndGet(Files.size(f));
                    }
                }
            }
        }
    }

    /** The largest chunk accepted. */
    public int maxChunk() {
        return maxChunk;
    }

    public Path pathOf(ChunkHash hash) {
        String hex = hash.hex();
        return chunksDir.resolve(hex.substring(0, 2)).resolve(hex);
    }

    public boolean has(ChunkHash hash) {
        noteAccess(hash);
        return Files.isRegularFile(pathOf(hash), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Starts (a set) or ends (null) recording which chunks are looked up, read or stored: a collection never
     * deletes a chunk recorded since its mark, whoever turns out to need it.
     */
    public void recordAccess(Set<ChunkHash> into) {
        accessed = into;
    }

    /** True when the chunk was looked up, read or stored since {@link #recordAccess} began. */
    public boolean accessedSinceMark(ChunkHash hash) {
        Set<ChunkHash> a = accessed;
        return a != null && a.contains(hash);
    }

    private void noteAccess(ChunkHash hash) {
        Set<ChunkHash> a = accessed;
        if (a != null) {
            a.add(hash);
        }
    }

    /** The chunk files of one fan-out folder ({@code 0..255}), with their hashes; misnamed files are skipped. */
    public List<Map.Entry<ChunkHash, Path>> fan(int index) throws IOException {
        Path dir = chunksDir.resolve(HexFormat.of().toHexDigits((byte) index));
        List<Map.Entry<ChunkHash, Path>> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (ChunkHash.isValid(name) && name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
                    out.add(Map.entry(ChunkHash.parse(name), f));
                }
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    /** Deletes a stored chunk (garbage collection); its size, or -1 when it was not there. */
    public long delete(ChunkHash hash) throws IOException {
        Path p = pathOf(hash);
        long size;
        try {
            size = Files.size(p);
        } catch (NoSuchFileException e) {
            return -1;
        }
        if (!Files.deleteIfExists(p)) {
            return -1;
        }
        chunks.decrementAndGet();
        bytes.addAndGet(-size);
        return size;
    }

    /**
     * Keeps {@code len} bytes of {@code buf} under {@code expected} after checking that they hash to it.
     *
     * @throws HashMismatchException when they do not (nothing is stored)
     */
    public Stored put(ChunkHash expected, byte[] buf, int off, int len) throws IOException {
        if (len <= 0 || len > maxChunk) {
            throw new TooLargeException("chunk of " + len + " bytes outside 1.." + maxChunk);
        }
        ChunkHash actual = ChunkHash.compute(buf, off, len);
        if (!actual.equals(expected)) {
            throw new HashMismatchException("bytes hash to " + actual.hex() + ", not " + expected.hex());
        }
        noteAccess(expected);
        Path target = pathOf(expected);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            freshen(target);
            return Stored.PRESENT;
        }
        Path tmp = Files.createTempFile(tmpDir, "chunk-", ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
            }
            boolean existed = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            if (existed) {
                return Stored.PRESENT;
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        chunks.incrementAndGet();
        bytes.addAndGet(len);
        return Stored.STORED;
    }

    /**
     * Reads the chunk into {@code buf} and verifies its hash.
     *
     * @return its length, or -1 when it is missing or was corrupt (a corrupt chunk is deleted and counted)
     */
    public int read(ChunkHash hash, byte[] buf) throws IOException {
        noteAccess(hash);
        Path p = pathOf(hash);
        int n;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size <= 0 || size > buf.length) {
                return discardCorrupt(hash, p, "size " + size);
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) size);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) {
                    break;
                }
            }
            n = bb.position();
        } catch (NoSuchFileException e) {
            return -1;
        }
        if (!ChunkHash.compute(buf, 0, n).equals(hash)) {
            return discardCorrupt(hash, p, "content hashes to another value");
        }
        return n;
    }

    /**
     * A chunk uploaded again is wanted again: its age restarts, so garbage collection gives it a full grace period
     * for the manifest that will reference it.
     */
    private static void freshen(Path chunk) {
        try {
            Files.setLastModifiedTime(chunk, FileTime.from(Instant.now()));
        } catch (IOException e) {
            LOG.debugf("Cannot touch %s: %s", chunk, e);
        }
    }

    private int discardCorrupt(ChunkHash hash, Path p, String why) throws IOException {
        LOG.warnf("Chunk %s is corrupt (%s): deleted, it will be requested again", hash.hex(), why);
        long size = Files.size(p);
        if (Files.deleteIfExists(p)) {
            chunks.decrementAndGet();
            bytes.addAndGet(-size);
        }
        corrupt.incrementAndGet();
        return -1;
    }

    public long chunkCount() {
        return chunks.get();
    }

    public long byteCount() {
        return bytes.get();
    }

    /** Chunks found corrupt on read since start. */
    public long corruptCount() {
        return corrupt.get();
    }

    /** The bytes of an upload do not hash to the name it was sent under. */
    public static class HashMismatchException extends IOException {
        public HashMismatchException(String message) {
            super(message);
        }
    }

    /** An upload is longer than the largest chunk. */
    public static class TooLargeException extends IOException {
        public TooLargeException(String message) {
            super(message);
        }
    }
}
