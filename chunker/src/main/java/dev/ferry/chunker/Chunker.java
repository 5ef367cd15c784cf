package dev.ferry.chunker;

import java.io.IOException;
import java.io.InputStream;

/** Cuts a byte stream into content-defined chunks and hashes each one. Memory use is bounded by the maximum chunk size. */
public interface Chunker {
    ChunkerParams params();

    /** Reads {@code in} to its end and hands every chunk, in order, to {@code sink}; an empty stream gives no chunk. */
    void split(InputStream in, ChunkSink sink) throws IOException;

    /**
     * Like {@link #split(InputStream, ChunkSink)}, with the stream's expected length (or -1) so that a small file
     * needs only a small buffer; the cut points do not depend on it.
     */
    default void split(InputStream in, long sizeHint, ChunkSink sink) throws IOException {
        split(in, sink);
    }
}
