package dev.ferry.chunker;

import java.io.IOException;

/** Receives chunks in file order. The bytes are valid only during the call: copy what must outlive it. */
@FunctionalInterface
public interface ChunkSink {
    void accept(Chunk chunk, byte[] buf, int off) throws IOException;
}
