package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;

import java.util.List;

/**
 * Where the mirror itself holds a chunk: regions of applied files, as their manifests in the index say. The bytes
 * there are what the file held when it was applied; anyone may have changed them since, so a reader hashes a region
 * before using it, and a region found changed makes its file {@link MirrorIndex#markDamaged damaged} (which drops
 * its regions, and the reconcile asks the watcher for the file again).
 */
public interface MirrorRegions {

    /** {@code length} bytes at {@code offset} of the mirror file at wire path {@code path}. */
    record Region(String path, long offset, int length) {
    }

    /** Up to {@code max} regions of applied, undamaged files whose manifests place {@code hash} there. */
    List<Region> regionsOf(ChunkHash hash, int max);
}
