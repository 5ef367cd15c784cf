package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A manifest as the index stores it, without its path (the key): version, type, mode, mtime, size, chunk count,
 * each chunk's hash and length, and a symlink's target. Fixed-width fields, no reflection, about 30 bytes plus 36
 * a chunk.
 */
final class ManifestCodec {
    private static final byte VERSION = 1;
    private static final EntryType[] TYPES = EntryType.values();

    private ManifestCodec() {
    }

    static byte[] encode(Manifest m) {
        byte[] target = m.target() == null ? new byte[0] : m.target().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(1 + 1 + 4 + 8 + 8 + 4 + m.chunks().size() * (ChunkHash.LENGTH + 4)
                + 4 + target.length);
        b.put(VERSION).put((byte) m.type().ordinal()).putInt(m.mode()).putLong(m.mtimeNs()).putLong(m.size());
        b.putInt(m.chunks().size());
        byte[] hash = new byte[ChunkHash.LENGTH];
        for (ChunkRef c : m.chunks()) {
            c.hash().copyTo(hash, 0);
            b.put(hash).putInt(c.length());
        }
        b.putInt(target.length).put(target);
        return b.array();
    }

    /** The manifest at {@code path} from {@link #encode}'s bytes; an IllegalArgumentException when they are not. */
    static Manifest decode(String path, byte[] bytes) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.get() != VERSION) {
                throw new IllegalArgumentException("unknown manifest encoding " + bytes[0] + " for " + path);
            }
            int type = b.get();
            if (type < 0 || type >= TYPES.length) {
                throw new IllegalArgumentException("unknown entry type " + type + " for " + path);
            }
            int mode = b.getInt();
            long mtime = b.getLong();
            long size = b.getLong();
            int count = b.getInt();
            if (count < 0 || count > b.remaining() / (ChunkHash.LENGTH + 4)) {
                throw new IllegalArgumentException("bad chunk count " + count + " for " + path);
            }
            List<ChunkRef> chunks = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                byte[] hash = new byte[ChunkHash.LENGTH];
                b.get(hash);
                chunks.add(new ChunkRef(ChunkHash.of(hash), b.getInt()));
            }
            int targetLength = b.getInt();
            String target = null;
            if (targetLength > 0) {
                byte[] t = new byte[targetLength];
                b.get(t);
                target = new String(t, StandardCharsets.UTF_8);
            }
            return new Manifest(path, TYPES[type], mode, mtime, size, chunks, target);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated manifest for " + path, e);
        }
    }

    /**
     * Calls {@code regions} with each chunk of an encoded file manifest and its offset, without building the
     * manifest (a rebase or remove of a large folder touches every one).
     */
    static void forEachChunk(byte[] bytes, ChunkVisitor regions) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        b.position(1 + 1 + 4 + 8 + 8);
        int count = b.getInt();
        long offset = 0;
        for (int i = 0; i < count; i++) {
            int at = b.position();
            b.position(at + ChunkHash.LENGTH);
            int length = b.getInt();
            regions.chunk(bytes, at, offset, length);
            offset += length;
        }
    }

    /** One chunk of an encoded manifest: its hash is {@code bytes[hashAt, hashAt + 32)}. */
    interface ChunkVisitor {
        void chunk(byte[] bytes, int hashAt, long offset, int length);
    }
}
