package dev.ferry.watcher.scan;

import dev.ferry.chunker.ChunkHash;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * CRC-32C of chunks the watcher hashed recently, keyed by their SHA-256, so that the uploader can check a chunk it
 * reads back from SOURCE with a CRC (a CPU instruction; not benchmarked against SHA-256 here, the saving is in
 * docs/MEASUREMENTS.md as whole-sync CPU time) instead of a second SHA-256. A chunk's CRC is a function of its
 * bytes, so an entry can never be stale. The check only guards against SOURCE having changed
 * since the chunk was hashed; what keeps a wrong chunk out of the store is the store's own SHA-256 of every upload
 * (a changed chunk that happens to keep its CRC is refused there, and the uploader then re-reads it with SHA-256).
 * Bounded: the oldest entries go first, and a chunk without an entry is checked with SHA-256 as before. Thread-safe.
 */
public final class ChunkChecksums {
    /**
     * Entries kept: ~100 bytes each by estimate (not measured), so ~6 MiB; as many chunks as 4 GiB of average chunks
     * or 64k small files.
     */
    static final int CAPACITY = 65_536;

    /** Keeps nothing: every read-back is checked with SHA-256. */
    public static final ChunkChecksums NONE = new ChunkChecksums(0);

    private final int capacity;
    private final Map<ChunkHash, Integer> crcs;

    public ChunkChecksums() {
        this(CAPACITY);
    }

    ChunkChecksums(int capacity) {
        this.capacity = capacity;
        this.crcs = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ChunkHash, Integer> eldest) {
                return size() > ChunkChecksums.this.capacity;
            }
        };
    }

    /** The CRC-32C of {@code len} bytes of {@code buf}. */
    public static int crc(byte[] buf, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(buf, off, len);
        return (int) crc.getValue();
    }

    /** Records the CRC of the chunk {@code hash}, whose bytes are {@code len} bytes of {@code buf} at {@code off}. */
    public void hashed(ChunkHash hash, byte[] buf, int off, int len) {
        if (capacity == 0) {
            return;
        }
        int crc = crc(buf, off, len);
        synchronized (crcs) {
            crcs.put(hash, crc);
        }
    }

    /** The recorded CRC of {@code hash}, or null. */
    public Integer of(ChunkHash hash) {
        if (capacity == 0) {
            return null;
        }
        synchronized (crcs) {
            return crcs.get(hash);
        }
    }

    int size() {
        synchronized (crcs) {
            return crcs.size();
        }
    }
}
