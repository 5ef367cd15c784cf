package dev.ferry.watcher.upload;

/** Where a chunk's bytes were when its manifest was made: a source file (wire path), an offset and a length. */
public record ChunkLocation(String path, long offset, int length) {
}
