package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.storage.PartFile;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * File upserts waiting for chunks: by path (so a later change can supersede or rebase them) and by missing chunk
 * (so an arriving chunk finds the files it completes). Apply thread only.
 */
final class PendingFiles {

    /** Heap one chunk of a pending file's manifest holds, roughly (its record, the indexes). */
    static final long HELD_BYTES_A_CHUNK = 160;

    /** A move's source that goes once the moved file is in place: its path and its digest when the move came. */
    record Replaced(String path, String digest) {
    }

    /** One file waiting for chunks. */
    static final class Pending {
        Manifest entry;
        final Batch batch;
        final long seq;
        List<ChunkHash> lacking;
        int waiting;
        /** All its chunks are there and it is being written; it stays here until installed, superseded or rebased. */
        boolean writing;
        /** Bytes this file will add to the disk once applied, held against the quota until then. */
        long reserved;
        /** The source of the move this file completes, removed once it is installed; or null. */
        Replaced replaces;
        /** The file being built, which its uploads are written into; or null. Closed or dropped when it leaves. */
        PartFile part;

        Pending(Manifest entry, Batch batch, long seq) {
            this.entry = entry;
            this.batch = batch;
            this.seq = seq;
        }

        /** Heap this pending file holds, roughly: the manifest with its chunk list, the indexes. */
        long heldBytes() {
            return heldBytes(entry);
        }

        static long heldBytes(Manifest m) {
            return 256 + 2L * m.path().length() + HELD_BYTES_A_CHUNK * m.chunks().size();
        }
    }

    private final TreeMap<String, Pending> byPath = new TreeMap<>();
    private final Map<ChunkHash, List<Pending>> waiters = new HashMap<>();
    private long seq;
    private volatile int size;
    private long reservedBytes;
    private long heldBytes;

    /** Registers {@code entry} of {@code batch} as waiting for the distinct chunks {@code lacking}. */
    Pending add(Manifest entry, Batch batch, List<ChunkHash> lacking) {
        return add(entry, batch, lacking, 0);
    }

    /** {@link #add(Manifest, Batch, List)}, holding {@code reserved} bytes of the quota until it is applied or dropped. */
    Pending add(Manifest entry, Batch batch, List<ChunkHash> lacking, long reserved) {
        return add(entry, batch, lacking, reserved, null);
    }

    /** {@link #add(Manifest, Batch, List, long)} with the part file its uploads are written into (closed when it leaves). */
    Pending add(Manifest entry, Batch batch, List<ChunkHash> lacking, long reserved, PartFile part) {
        Pending p = new Pending(entry, batch, seq++);
        p.reserved = reserved;
        p.part = part;
        wait(p, lacking);
        return p;
    }

    /** Puts a pending file back (its chunks turned out missing or corrupt when it was applied). */
    void wait(Pending p, List<ChunkHash> lacking) {
        if (p.part != null) {
            p.part.want(lacking);
        }
        p.writing = false;
        p.lacking = lacking;
        p.waiting = lacking.size();
        for (ChunkHash h : lacking) {
            waiters.computeIfAbsent(h, k -> new ArrayList<>(1)).add(p);
        }
        if (byPath.put(p.entry.path(), p) != p) {
            reservedBytes += p.reserved;
            heldBytes += p.heldBytes();
        }
        size = byPath.size();
    }

    /** Quota bytes reserved by every pending file. */
    long reservedBytes() {
        return reservedBytes;
    }

    /** Heap held by every pending file, roughly (for {@code ferry.store.max-session-bytes}). */
    long heldBytes() {
        return heldBytes;
    }

    /** The manifest of the pending upsert at {@code path}, or null. */
    Manifest entryAt(String path) {
        Pending p = byPath.get(path);
        return p == null ? null : p.entry;
    }

    /** Drops the pending upsert of exactly {@code path}. */
    List<Pending> removeAt(String path) {
        Pending p = byPath.get(path);
        if (p == null) {
            return List.of();
        }
        forget(p);
        size = byPath.size();
        return List.of(p);
    }

    /** Drops the pending upserts of {@code path} and below it. */
    List<Pending> removeUnder(String path) {
        List<Pending> out = new ArrayList<>(under(path));
        for (Pending p : out) {
            forget(p);
        }
        size = byPath.size();
        return out;
    }

    /** Moves the pending upserts under {@code from} to the same places under {@code to}. */
    void rebase(String from, String to) {
        List<Pending> moved = new ArrayList<>(under(from));
        for (Pending p : moved) {
            byPath.remove(p.entry.path());
        }
        for (Pending p : moved) {
            heldBytes -= p.heldBytes();
            p.entry = p.entry.withPath(RelativePaths.rebase(p.entry.path(), from, to));
            heldBytes += p.heldBytes();
            byPath.put(p.entry.path(), p);
        }
    }

    /**
     * Notes that {@code hashes} are now stored and returns the pending files they complete, oldest first. They stay
     * registered (as {@code writing}) until {@link #written} says whether they are still wanted.
     */
    List<Pending> arrived(Collection<ChunkHash> hashes) {
        List<Pending> ready = new ArrayList<>();
        for (ChunkHash h : hashes) {
            List<Pending> list = waiters.remove(h);
            if (list == null) {
                continue;
            }
            for (Pending p : list) {
                if (--p.waiting == 0 && byPath.get(p.entry.path()) == p) {
                    p.writing = true;
                    p.lacking = List.of();
                    ready.add(p);
                }
            }
        }
        ready.sort(Comparator.comparingLong(p -> p.seq));
        size = byPath.size();
        return ready;
    }

    /** Adds all chunks of every pending file, those it still lacks and those already stored, to {@code into}. */
    void chunksInto(java.util.Set<ChunkHash> into) {
        for (Pending p : byPath.values()) {
            for (dev.ferry.protocol.ChunkRef c : p.entry.chunks()) {
                into.add(c.hash());
            }
        }
    }

    /**
     * A file {@link #arrived} returned has been written: true (and it is no longer pending) when it is still the
     * newest upsert of its path, false when a later change superseded it meanwhile.
     */
    boolean written(Pending p) {
        if (!p.writing || byPath.get(p.entry.path()) != p) {
            return false;
        }
        byPath.remove(p.entry.path());
        released(p);
        size = byPath.size();
        return true;
    }

    void clear() {
        for (Pending p : byPath.values()) {
            dropPart(p);
        }
        byPath.clear();
        waiters.clear();
        size = 0;
        reservedBytes = 0;
        heldBytes = 0;
    }

    private void released(Pending p) {
        reservedBytes -= p.reserved;
        heldBytes -= p.heldBytes();
    }

    int size() {
        return size;
    }

    private Collection<Pending> under(String path) {
        List<Pending> out = new ArrayList<>();
        Pending self = byPath.get(path);
        if (self != null) {
            out.add(self);
        }
        out.addAll(byPath.subMap(path + "/", true, path + "0", false).values());
        return out;
    }

    /** Closes the part file of a pending file that was installed (the mirror holds its chunks now). */
    static void closePart(Pending p) {
        if (p.part != null) {
            p.part.close();
        }
    }

    /** Drops the part file of a pending file that left uninstalled; the chunks uploads wrote there are kept in packs. */
    static void dropPart(Pending p) {
        if (p.part != null) {
            p.part.drop();
        }
    }

    private void forget(Pending p) {
        dropPart(p);
        if (byPath.remove(p.entry.path()) == p) {
            released(p);
        }
        for (ChunkHash h : p.lacking) {
            List<Pending> list = waiters.get(h);
            if (list != null) {
                list.remove(p);
                if (list.isEmpty()) {
                    waiters.remove(h);
                }
            }
        }
    }
}
