package dev.ferry.watcher.restore;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;

/** Where the chunks no local file holds come from: the store's {@code GET /api/v1/chunks/{hash}}. */
@FunctionalInterface
public interface RemoteChunks {
    /**
     * The bytes of chunk {@code hash}, already checked against it.
     *
     * @throws IOException when the store cannot give it, or gave other bytes
     */
    byte[] get(ChunkHash hash, int length) throws IOException;
}
