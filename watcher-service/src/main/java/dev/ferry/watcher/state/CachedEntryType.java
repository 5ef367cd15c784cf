package dev.ferry.watcher.state;

import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.EntryType;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The on-disk form of a {@link CachedEntry} in the watcher's state database: an explicit byte layout (no Java
 * serialization, nothing reflective), about 40 bytes for a small file plus 36 a chunk.
 *
 * <pre>
 * flags    1 byte   bits 0-1 type (0 file, 1 directory, 2 symlink), bit 2 racy, bit 3 has a target
 * mode     varint
 * mtimeNs  8 bytes
 * size     varlong
 * inode    varlong
 * digest   16 bytes (the manifest digest, hex in memory)
 * chunks   varint length, then the packed chunk list ({@link ChunkListCodec#RECORD} bytes a chunk)
 * target   varint length, then UTF-8 (only with bit 3)
 * </pre>
 */
final class CachedEntryType extends BasicDataType<CachedEntry> {
    static final CachedEntryType INSTANCE = new CachedEntryType();

    private static final int RACY = 4;
    private static final int HAS_TARGET = 8;
    private static final int DIGEST_BYTES = 16;
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] NONE = new byte[0];

    private CachedEntryType() {
    }

    @Override
    public int getMemory(CachedEntry e) {
        // Object headers, the record's fields, the digest string and the chunk array: what the page cache holds.
        return 160 + e.packedChunks().length + (e.target() == null ? 0 : 2 * e.target().length());
    }

    @Override
    public void write(WriteBuffer buf, CachedEntry e) {
        byte[] target = e.target() == null ? null : e.target().getBytes(StandardCharsets.UTF_8);
        int flags = typeCode(e.type()) | (e.racy() ? RACY : 0) | (target != null ? HAS_TARGET : 0);
        buf.put((byte) flags);
        buf.putVarInt(e.mode());
        buf.putLong(e.mtimeNs());
        buf.putVarLong(e.size());
        buf.putVarLong(e.inode());
        buf.put(HEX.parseHex(e.digest()));
        buf.putVarInt(e.packedChunks().length);
        buf.put(e.packedChunks());
        if (target != null) {
            buf.putVarInt(target.length);
            buf.put(target);
        }
    }

    @Override
    public CachedEntry read(ByteBuffer buf) {
        int flags = buf.get();
        EntryType type = type(flags & 3);
        int mode = DataUtils.readVarInt(buf);
        long mtimeNs = buf.getLong();
        long size = DataUtils.readVarLong(buf);
        long inode = DataUtils.readVarLong(buf);
        byte[] digest = new byte[DIGEST_BYTES];
        buf.get(digest);
        int chunkBytes = DataUtils.readVarInt(buf);
        if (chunkBytes < 0 || chunkBytes % ChunkListCodec.RECORD != 0 || chunkBytes > buf.remaining()) {
            throw new IllegalStateException("damaged state entry: a chunk list of " + chunkBytes + " bytes");
        }
        byte[] chunks = chunkBytes == 0 ? NONE : new byte[chunkBytes];
        buf.get(chunks);
        String target = null;
        if ((flags & HAS_TARGET) != 0) {
            int n = DataUtils.readVarInt(buf);
            if (n < 0 || n > buf.remaining()) {
                throw new IllegalStateException("damaged state entry: a link target of " + n + " bytes");
            }
            byte[] t = new byte[n];
            buf.get(t);
            target = new String(t, StandardCharsets.UTF_8);
        }
        return new CachedEntry(type, mode, mtimeNs, size, inode, chunks, target, HEX.formatHex(digest),
                (flags & RACY) != 0);
    }

    @Override
    public CachedEntry[] createStorage(int size) {
        return new CachedEntry[size];
    }

    private static int typeCode(EntryType type) {
        switch (type) {
            case FILE:
                return 0;
            case DIRECTORY:
                return 1;
            default:
                return 2;
        }
    }

    private static EntryType type(int code) {
        switch (code) {
            case 0:
                return EntryType.FILE;
            case 1:
                return EntryType.DIRECTORY;
            case 2:
                return EntryType.SYMLINK;
            default:
                throw new IllegalStateException("damaged state entry: entry type " + code);
        }
    }
}
