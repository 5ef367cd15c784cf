package dev.ferry.chunker;

/** One content-defined piece of a file: where it starts, how long it is, and the hash of its bytes. */
public record Chunk(long offset, int length, ChunkHash hash) {
}
