package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Packs on the heap, for tests and as the model of another backend: records are laid out as {@link LocalPackStore}
 * lays them out (same headers, same rollover), so locations and sizes agree with it. The packs live in a shared
 * {@link Backing}; {@link #reopen()} gives a new store over the same packs, as a restart would. Thread-safe.
 */
public final class MemoryPackStore implements PackStore {
    /** The packs themselves, outliving any one store opened over them. */
    private static final class Backing {
        final ConcurrentSkipListMap<Long, Pack> packs = new ConcurrentSkipListMap<>();
        long lastId;
    }

    private static final class Pack {
        byte[] bytes = new byte[1024];
        int size = PackFormat.FILE_HEADER;
        final List<Record> records = new ArrayList<>();
        Instant lastWrite;

        Pack(Instant now) {
            lastWrite = now;
        }
    }

    private final Backing backing;
    private final long targetSize;
    private final int maxRecord;
    private final Clock clock;
    /** Guarded by backing: the pack being filled, or 0. */
    private long current;
    private volatile boolean closed;

    public MemoryPackStore(long targetSize, int maxRecord) {
        this(new Backing(), targetSize, maxRecord, Clock.systemUTC());
    }

    private MemoryPackStore(Backing backing, long targetSize, int maxRecord, Clock clock) {
        if (targetSize <= PackFormat.FILE_HEADER || targetSize > Integer.MAX_VALUE || maxRecord <= 0) {
            throw new IllegalArgumentException("target size " + targetSize + " / max record " + maxRecord);
        }
        this.backing = backing;
        this.targetSize = targetSize;
        this.maxRecord = maxRecord;
        this.clock = clock;
        synchronized (backing) {
            // As LocalPackStore: the newest pack is filled further when it is the newest ever made.
            if (!backing.packs.isEmpty() && backing.packs.lastKey() == backing.lastId
                    && backing.packs.lastEntry().getValue().size < targetSize) {
                current = backing.lastId;
            }
        }
    }

    /** A new store over the same packs (as after a restart); this one is closed. */
    public MemoryPackStore reopen() {
        close();
        return new MemoryPackStore(backing, targetSize, maxRecord, clock);
    }

    @Override
    public Location append(ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        Objects.requireNonNull(hash, "hash");
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len <= 0 || len > maxRecord) {
            throw new IOException("a pack record holds 1.." + maxRecord + " bytes (the largest chunk), not " + len);
        }
        int total = PackFormat.RECORD_HEADER + len;
        synchronized (backing) {
            ensureOpen();
            Pack p = current == 0 ? null : backing.packs.get(current);
            if (p != null && p.size > PackFormat.FILE_HEADER && (long) p.size + total > targetSize) {
                p = null;
            }
            if (p == null) {
                current = ++backing.lastId;
                p = new Pack(clock.instant());
                backing.packs.put(current, p);
            }
            if (p.size + total > p.bytes.length) {
                p.bytes = Arrays.copyOf(p.bytes, Math.max(p.size + total, p.bytes.length * 2));
            }
            java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(PackFormat.RECORD_HEADER);
            PackFormat.recordHeader(hash, len, h);
            h.get(p.bytes, p.size, PackFormat.RECORD_HEADER);
            System.arraycopy(buf, off, p.bytes, p.size + PackFormat.RECORD_HEADER, len);
            Location loc = new Location(current, p.size + PackFormat.RECORD_HEADER, len);
            p.size += total;
            p.records.add(new Record(hash, loc));
            p.lastWrite = clock.instant();
            return loc;
        }
    }

    @Override
    public int read(Location location, byte[] buf) throws IOException {
        LocalPackStore.checkLocation(location, buf);
        ensureOpen();
        synchronized (backing) {
            Pack p = backing.packs.get(location.pack());
            if (p == null || location.offset() + location.length() > p.size) {
                return -1;
            }
            System.arraycopy(p.bytes, (int) location.offset(), buf, 0, location.length());
            return location.length();
        }
    }

    @Override
    public void sync() throws IOException {
        ensureOpen();
    }

    @Override
    public List<PackInfo> packs() throws IOException {
        synchronized (backing) {
            List<PackInfo> out = new ArrayList<>();
            for (Map.Entry<Long, Pack> e : backing.packs.entrySet()) {
                out.add(new PackInfo(e.getKey(), e.getValue().size, e.getValue().lastWrite));
            }
            return out;
        }
    }

    @Override
    public List<Record> records(long pack) throws IOException {
        synchronized (backing) {
            Pack p = backing.packs.get(pack);
            return p == null ? List.of() : List.copyOf(p.records);
        }
    }

    @Override
    public void delete(long pack) throws IOException {
        synchronized (backing) {
            ensureOpen();
            if (current == pack) {
                current = 0;
            }
            backing.packs.remove(pack);
        }
    }

    @Override
    public void close() {
        closed = true;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the pack store is closed");
        }
    }
}
