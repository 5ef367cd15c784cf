package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;

/**
 * A change as sent: a file move, and a file upsert with a known base, become a {@code patch} when that is shorter.
 * The batch record keeps the full change (uploads find chunks through it, and a {@code base-unknown} failure resends
 * it).
 */
final class PatchEncoder {
    /** Files with fewer chunks always go as full manifests: their chunk list is about as short as a patch. */
    static final int MIN_PATCH_CHUNKS = 4;

    /** A version of a file the store holds (or will hold before it reaches the change), to send a patch against. */
    record Base(String path, Manifest manifest) {
    }

    private PatchEncoder() {
    }

    /** The wire form of {@code c}; {@code base} is null when no version of the file is known to the store. */
    static Change wireForm(Change c, Base base) {
        if (c instanceof Change.Move mv && mv.entry().type() == EntryType.FILE
                && mv.entry().chunks().size() >= MIN_PATCH_CHUNKS) {
            return Change.Patch.of(mv.entry(), mv.from(), mv.entry(), true);
        }
        if (c instanceof Change.Upsert u && base != null && u.entry().type() == EntryType.FILE
                && u.entry().chunks().size() >= MIN_PATCH_CHUNKS && base.manifest().type() == EntryType.FILE
                && !base.manifest().chunks().isEmpty()) {
            Change.Patch p = Change.Patch.of(u.entry(), base.path(), base.manifest(), false);
            if (p.delta().length < u.entry().chunks().size() * ChunkListCodec.RECORD / 2) {
                return p;
            }
        }
        return c;
    }
}
