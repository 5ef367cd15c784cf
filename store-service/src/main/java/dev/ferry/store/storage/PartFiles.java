package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The open {@link PartFile}s, by the chunks they want (an upload finds the files it goes into) and by the chunks they
 * hold (a verified source for other files while they are open). Only an index: each part file's own state decides,
 * under its own lock, whether an upload is written into it. Locks nest one way only: a part file calls in here after
 * releasing its own lock, and this lock may take a part file's (to ask whether it closed). Thread-safe. Heap: one entry per chunk of an open part file, gone when it closes.
 */
public final class PartFiles {
    private final Map<ChunkHash, List<PartFile>> wanting = new HashMap<>();
    private final Map<ChunkHash, List<PartFile>> holding = new HashMap<>();
    private final Keeper keeper;

    /** Keeps a chunk that a dropped part file held (the store appends it to a pack); its bytes are verified there. */
    @FunctionalInterface
    public interface Keeper {
        void keep(ChunkHash hash, byte[] buf, int len) throws IOException;
    }

    /** {@code keeper} keeps what a dropped part file held, so an upload is never lost with its file. */
    public PartFiles(Keeper keeper) {
        this.keeper = keeper;
    }

    Keeper keeper() {
        return keeper;
    }

    /** A part file in {@code dir} for a file made of {@code chunks}; it wants nothing until told ({@link PartFile#want}). */
    public PartFile open(Path dir, List<ChunkRef> chunks) {
        return new PartFile(this, dir, chunks);
    }

    /** True when an open part file wants the chunk. */
    public synchronized boolean wants(ChunkHash hash) {
        return wanting.containsKey(hash);
    }

    /** True when an open part file holds the chunk (written by an upload, verified). */
    public synchronized boolean holds(ChunkHash hash) {
        return holding.containsKey(hash);
    }

    /**
     * Writes a verified chunk into every open part file that wants it; true when at least one took it. A write that
     * fails is thrown only when none took it.
     */
    public boolean offer(ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        List<PartFile> candidates;
        synchronized (this) {
            List<PartFile> w = wanting.get(hash);
            candidates = w == null ? List.of() : new ArrayList<>(w);
        }
        boolean taken = false;
        IOException failed = null;
        for (PartFile p : candidates) {
            try {
                if (p.write(hash, buf, off, len)) {
                    taken = true;
                    moved(hash, p);
                }
            } catch (IOException e) {
                failed = e;
            }
        }
        if (!taken && failed != null) {
            throw failed;
        }
        return taken;
    }

    /**
     * Reads a chunk an open part file holds into {@code direct} and verifies it; false when none holds it intact.
     */
    public boolean read(ChunkHash hash, int length, ByteBuffer direct) {
        List<PartFile> candidates;
        synchronized (this) {
            List<PartFile> h = holding.get(hash);
            candidates = h == null ? List.of() : new ArrayList<>(h);
        }
        for (PartFile p : candidates) {
            if (p.read(hash, length, direct)) {
                return true;
            }
        }
        return false;
    }

    /** Open part files (for tests and status). */
    public synchronized int openCount() {
        java.util.Set<PartFile> all = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        wanting.values().forEach(all::addAll);
        holding.values().forEach(all::addAll);
        return all.size();
    }

    synchronized void wanting(PartFile p, Collection<ChunkHash> hashes) {
        if (p.isClosed()) {
            return;
        }
        for (ChunkHash h : hashes) {
            wanting.computeIfAbsent(h, k -> new ArrayList<>(1)).add(p);
        }
    }

    synchronized void unwanted(PartFile p, Collection<ChunkHash> hashes) {
        for (ChunkHash h : hashes) {
            remove(wanting, h, p);
        }
    }

    private synchronized void moved(ChunkHash hash, PartFile p) {
        remove(wanting, hash, p);
        if (!p.isClosed()) {
            holding.computeIfAbsent(hash, k -> new ArrayList<>(1)).add(p);
        }
    }

    synchronized void closed(PartFile p, Collection<ChunkHash> hashes) {
        for (ChunkHash h : hashes) {
            remove(wanting, h, p);
            remove(holding, h, p);
        }
    }

    private static void remove(Map<ChunkHash, List<PartFile>> map, ChunkHash h, PartFile p) {
        List<PartFile> list = map.get(h);
        if (list == null) {
            return;
        }
        list.removeIf(x -> x == p);
        if (list.isEmpty()) {
            map.remove(h);
        }
    }
}
