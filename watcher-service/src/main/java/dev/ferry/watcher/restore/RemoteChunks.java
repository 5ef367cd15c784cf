package dev.ferry.watcher.restore;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;

import java.io.IOException;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Where the chunks no local file holds come from: the store's {@code POST /api/v1/chunks/fetch} (many chunks a
 * request) and {@code GET /api/v1/chunks/{hash}} (one).
 */
@FunctionalInterface
public interface RemoteChunks {
    /**
     * The bytes of chunk {@code hash}, already checked against it.
     *
     * @throws IOException when the store cannot give it, or gave other bytes
     */
    byte[] get(ChunkHash hash, int length) throws IOException;

    /**
     * Asks for {@code chunks} in one request and gives each one the store holds to {@code found}, in request order,
     * already checked against its hash and length; a chunk the store lacks is not given (the caller asks for it
     * with {@link #get}). By default none is given: every chunk then comes through {@link #get}.
     *
     * @throws IOException when the answer breaks off or holds bytes that were not asked for
     */
    default void fetch(List<ChunkRef> chunks, BiConsumer<ChunkHash, byte[]> found) throws IOException {
    }
}
