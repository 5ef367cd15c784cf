package dev.ferry.watcher.state;

import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;

import java.util.List;

/**
 * What the watcher last saw of one entry: its manifest (chunk list packed at 36 bytes a chunk), its inode, and
 * whether its mtime was so recent when it was hashed that a later write could have kept the same stat.
 *
 * @param digest the manifest's {@link Manifest#digest()}, computed once
 * @param racy   hashed within {@link #RACY_WINDOW_NS} of its mtime: the next look re-hashes it even if its stat is equal
 */
public record CachedEntry(EntryType type, int mode, long mtimeNs, long size, long inode, byte[] packedChunks,
                          String target, String digest, boolean racy) {

    /** A file modified less than this before it was hashed may change again within the same mtime tick. */
    public static final long RACY_WINDOW_NS = 1_000_000_000L;
    private static final byte[] NONE = new byte[0];

    public static CachedEntry of(Manifest manifest, long inode, boolean racy) {
        return new CachedEntry(manifest.type(), manifest.mode(), manifest.mtimeNs(), manifest.size(), inode,
                pack(manifest.chunks()), manifest.target(), manifest.digest(), racy);
    }

    /** The manifest of this entry under {@code path}. */
    public Manifest manifest(String path) {
        return new Manifest(path, type, mode, mtimeNs, size, chunks(), target);
    }

    public int chunkCount() {
        return packedChunks.length / ChunkListCodec.RECORD;
    }

    /** The chunk list, unpacked. */
    public List<ChunkRef> chunks() {
        return ChunkListCodec.unpack(packedChunks);
    }

    /** The same entry with another mode (a chmod needs no re-hash). */
    public CachedEntry withMode(int newMode) {
        Manifest m = manifest("x");
        return of(new Manifest("x", type, newMode, mtimeNs, size, m.chunks(), target), inode, racy);
    }

    static byte[] pack(List<ChunkRef> chunks) {
        return chunks.isEmpty() ? NONE : ChunkListCodec.pack(chunks);
    }
}
