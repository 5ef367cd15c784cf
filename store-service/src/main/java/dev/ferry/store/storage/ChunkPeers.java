package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;

/**
 * The chunks other folders of the same store hold (docs/OPERATIONS.md "Many folders"): content shared between
 * folders is uploaded once. A peer's bytes are read hash-verified and without side effects on the peer: a region
 * that no longer matches there is simply not held (the watcher is asked for the chunk), never marked damaged.
 */
public interface ChunkPeers {
    /** No other folders: a store of one folder. */
    ChunkPeers NONE = new ChunkPeers() {
        @Override
        public boolean holds(ChunkHash hash) {
            return false;
        }

        @Override
        public int read(ChunkHash hash, byte[] buf) {
            return -1;
        }
    };

    /** True when another folder's mirror region or pack holds the chunk (not yet verified). */
    boolean holds(ChunkHash hash);

    /** Reads the chunk from another folder into {@code buf}, verified; its length, or -1 when none holds it intact. */
    int read(ChunkHash hash, byte[] buf) throws IOException;
}
