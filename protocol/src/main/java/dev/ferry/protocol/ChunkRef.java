package dev.ferry.protocol;

import dev.ferry.chunker.Chunk;
import dev.ferry.chunker.ChunkHash;

/** A chunk as a manifest lists it: its hash and its length (its offset is the sum of the lengths before it). */
public record ChunkRef(ChunkHash hash, int length) {
    public ChunkRef {
        if (hash == null || length <= 0) {
            throw new IllegalArgumentException("a chunk has a hash and a positive length");
        }
    }

    public static ChunkRef of(Chunk chunk) {
        return new ChunkRef(chunk.hash(), chunk.length());
    }
}
