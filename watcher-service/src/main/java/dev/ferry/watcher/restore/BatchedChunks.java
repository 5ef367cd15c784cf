package dev.ferry.watcher.restore;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chunks a group of files will download, fetched from the store many at a time ({@link RemoteChunks#fetch}:
 * up to {@link #MAX_CHUNKS} chunks or {@link #MAX_BYTES} a request) as the files ask for them in order, instead of
 * one request a chunk; an answer that breaks off or holds a wrong record gives what arrived before it, the rest of
 * its slice comes alone. Holds one request's answer at a time (a chunk not taken by the time the next request goes
 * out is dropped, and fetched alone if asked for later); a chunk the answer lacks, or one not planned, is fetched
 * alone ({@link RemoteChunks#get}). One writer thread uses it.
 */
final class BatchedChunks implements RemoteChunks {
    static final int MAX_CHUNKS = 1000;
    static final long MAX_BYTES = 4L << 20;

    private final RemoteChunks remote;
    private final List<ChunkRef> planned;
    /** Planned chunks not asked for yet. */
    private final Set<ChunkHash> pending = new HashSet<>();
    private final Map<ChunkHash, byte[]> answer = new HashMap<>();
    private int next;

    /** {@code planned}: the chunks the files will download, in the order they will ask for them, each once. */
    BatchedChunks(RemoteChunks remote, List<ChunkRef> planned) {
        this.remote = remote;
        this.planned = planned;
        for (ChunkRef c : planned) {
            pending.add(c.hash());
        }
    }

    @Override
    public byte[] get(ChunkHash hash, int length) throws IOException {
        byte[] bytes = answer.remove(hash);
        while (bytes == null && pending.contains(hash)) {
            fetchNext();
            bytes = answer.remove(hash);
        }
        if (bytes != null && bytes.length == length) {
            return bytes;
        }
        return remote.get(hash, length);
    }

    /** Drops what is left of the last answer and asks for the next planned chunks. */
    private void fetchNext() throws IOException {
        answer.clear();
        List<ChunkRef> ask = new ArrayList<>();
        long bytes = 0;
        while (next < planned.size() && ask.size() < MAX_CHUNKS && (ask.isEmpty() || bytes < MAX_BYTES)) {
            ChunkRef c = planned.get(next++);
            if (bytes + c.length() > MAX_BYTES && !ask.isEmpty()) {
                next--;
                break;
            }
            ask.add(c);
            bytes += c.length();
            pending.remove(c.hash());
        }
        try {
            remote.fetch(ask, answer::put);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // An answer that broke off or held a wrong record: what arrived before stays (each was checked), the
            // rest of this slice comes alone through get, checked too.
        }
    }
}
