package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The temp file of one pending file (an upsert still lacking chunks), written as its chunks are uploaded: a verified
 * upload it wants is written at every offset where the file holds that chunk, so an uploaded byte is written once,
 * into the file being built (no fsync here: the file is fsynced once, when it is complete). It lives in
 * {@code .ferry/tmp} (emptied at every start), created at its first write. {@link Materializer#write(
 * dev.ferry.protocol.Manifest, PartFile)} completes it, filling only what the uploads did not write. While open, a
 * chunk it holds is a verified source for other files (read back and hashed like a mirror region).
 *
 * <p>Thread-safe: uploads write on REST threads, the apply thread makes it want chunks and closes it, a writer
 * thread completes it. Heap: the offsets of the chunks it wants or holds, bounded by its manifest (a pending file's
 * manifest is on the heap anyway, within {@code ferry.store.max-session-bytes}).
 */
public final class PartFile {
    private final PartFiles registry;
    private final Path dir;
    private final List<ChunkRef> chunks;
    /** Chunks the uploads may write here, with every offset where the file holds each. */
    private final Map<ChunkHash, Places> wanted = new HashMap<>();
    /** Chunks an upload wrote here (verified), with their offsets. */
    private final Map<ChunkHash, Places> written = new HashMap<>();
    private Path path;
    /** Being completed by a writer: no upload writes here until it wants chunks again. */
    private boolean sealed;
    private boolean closed;

    PartFile(PartFiles registry, Path dir, List<ChunkRef> chunks) {
        this.registry = registry;
        this.dir = dir;
        this.chunks = chunks;
    }

    /**
     * Makes the uploads of {@code hashes} land here (again, after its completion found them lacking). Apply thread.
     */
    public void want(Collection<ChunkHash> hashes) {
        List<ChunkHash> added = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return;
            }
            sealed = false;
            Set<ChunkHash> fresh = new HashSet<>(hashes);
            fresh.removeAll(wanted.keySet());
            fresh.removeAll(written.keySet());
            wanted.putAll(offsetsOf(fresh));
            added.addAll(fresh);
        }
        registry.wanting(this, added);
    }

    /**
     * Writes a verified chunk at each of its offsets when this file wants it; true when it did. A failed write
     * (a full disk) leaves it wanted: its bytes there are overwritten later.
     */
    synchronized boolean write(ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        Places at = wanted.get(hash);
        if (closed || sealed || at == null || at.length() != len) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            for (long offset : at.offsets()) {
                ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
                long pos = offset;
                while (bb.hasRemaining()) {
                    pos += ch.write(bb, pos);
                }
            }
        }
        wanted.remove(hash);
        written.put(hash, at);
        return true;
    }

    /**
     * Reads a chunk this file holds into {@code direct} (cleared, then flipped) and checks its hash; false when it
     * does not hold it intact (closed meanwhile, or changed on disk).
     */
    boolean read(ChunkHash hash, int length, ByteBuffer direct) {
        Path file;
        long offset;
        synchronized (this) {
            Places at = written.get(hash);
            if (closed || at == null || path == null || at.length() != length || length > direct.capacity()) {
                return false;
            }
            file = path;
            offset = at.offsets()[0];
        }
        direct.clear().limit(length);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pos = offset;
            while (direct.hasRemaining()) {
                int n = ch.read(direct, pos);
                if (n < 0) {
                    return false;
                }
                pos += n;
            }
        } catch (IOException e) {
            // Gone: installed (renamed into the mirror) or dropped meanwhile.
            return false;
        }
        direct.flip();
        MessageDigest md = ChunkHash.newDigest();
        md.update(direct.duplicate());
        return ChunkHash.finish(md).equals(hash);
    }

    /**
     * Stops uploads from writing here, for its completion: returns the file (created if no upload came) and the
     * chunks uploads wrote, which the writer leaves as they are.
     *
     * @throws NoSuchFileException when it was closed (its upsert superseded or its session gone)
     */
    Sealed seal() throws IOException {
        List<ChunkHash> unwanted;
        Sealed s;
        synchronized (this) {
            if (closed) {
                throw new NoSuchFileException("the file being built was dropped (superseded)");
            }
            sealed = true;
            unwanted = new ArrayList<>(wanted.keySet());
            wanted.clear();
            s = new Sealed(file(), new HashSet<>(written.keySet()));
        }
        registry.unwanted(this, unwanted);
        return s;
    }

    /** A sealed part file: its path and the chunks already in it. */
    record Sealed(Path path, Set<ChunkHash> written) {
    }

    /**
     * Its pending file left without it being installed (superseded, its session gone, failed): every chunk an upload
     * wrote here is handed to the store's keeper first (read back, then verified and packed there), so an upload is
     * not lost with the file (a reconnecting watcher is not asked for it again), then it is closed. A chunk that
     * cannot be read back is left out: a file that needs it finds it lacking and asks for it again. Idempotent.
     */
    public void drop() {
        List<Map.Entry<ChunkHash, Places>> held;
        Path file;
        synchronized (this) {
            if (closed) {
                return;
            }
            sealed = true;
            held = new ArrayList<>(written.entrySet());
            file = path;
        }
        if (file != null && !held.isEmpty()) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                for (Map.Entry<ChunkHash, Places> e : held) {
                    byte[] buf = new byte[e.getValue().length()];
                    ByteBuffer bb = ByteBuffer.wrap(buf);
                    long pos = e.getValue().offsets()[0];
                    while (bb.hasRemaining()) {
                        int n = ch.read(bb, pos);
                        if (n < 0) {
                            break;
                        }
                        pos += n;
                    }
                    if (!bb.hasRemaining()) {
                        registry.keeper().keep(e.getKey(), buf, buf.length);
                    }
                }
            } catch (IOException e) {
                // Gone or unreadable: what is not kept is asked for again by the file that needs it.
            }
        }
        close();
    }

    /**
     * Forgets it and deletes its file unless that was renamed into the mirror already (a completed file). Idempotent.
     */
    public void close() {
        List<ChunkHash> was;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            was = new ArrayList<>(wanted.keySet());
            was.addAll(written.keySet());
            wanted.clear();
            written.clear();
            if (path != null) {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // tmp/ is emptied at the next start anyway.
                }
            }
        }
        registry.closed(this, was);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** The temp file, created on first use (under the lock). */
    private Path file() throws IOException {
        if (path == null) {
            path = Files.createTempFile(dir, "file-", ".part");
        }
        return path;
    }

    /** Where a chunk goes in the file: its length (as the manifest says) and every offset. */
    private record Places(int length, long[] offsets) {
    }

    /** The places of each of {@code hashes} in the file, in one pass over its chunks. */
    private Map<ChunkHash, Places> offsetsOf(Set<ChunkHash> hashes) {
        Map<ChunkHash, List<Long>> found = new HashMap<>();
        Map<ChunkHash, Integer> lengths = new HashMap<>();
        long offset = 0;
        for (ChunkRef c : chunks) {
            if (hashes.contains(c.hash())) {
                found.computeIfAbsent(c.hash(), k -> new ArrayList<>(1)).add(offset);
                if (lengths.putIfAbsent(c.hash(), c.length()) != null && lengths.get(c.hash()) != c.length()) {
                    // One hash under two lengths: a bad manifest, left to the writer, which refuses it.
                    lengths.put(c.hash(), -1);
                }
            }
            offset += c.length();
        }
        Map<ChunkHash, Places> out = new HashMap<>();
        for (Map.Entry<ChunkHash, List<Long>> e : found.entrySet()) {
            if (lengths.get(e.getKey()) < 0) {
                continue;
            }
            long[] at = new long[e.getValue().size()];
            for (int i = 0; i < at.length; i++) {
                at[i] = e.getValue().get(i);
            }
            out.put(e.getKey(), new Places(lengths.get(e.getKey()), at));
        }
        return out;
    }
}
