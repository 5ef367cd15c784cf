package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The bytes of a pack file. A pack opens with {@link #MAGIC} and a version (8 bytes); each record is a 40-byte header
 * (the chunk's SHA-256, its length as a big-endian int, and a CRC-32C of those 36 bytes) followed by the chunk's
 * bytes. The CRC lets a reader tell a complete header from a torn or garbage one, so a pack describes itself even
 * after a crash while appending.
 */
final class PackFormat {
    /** "FPAK". */
    static final int MAGIC = 0x4650414b;
    static final int VERSION = 1;
    static final int FILE_HEADER = 8;
    static final int RECORD_HEADER = ChunkHash.LENGTH + 4 + 4;
    /** The largest record a reader accepts: the chunker's hard ceiling (ChunkerParams allows at most 64 MiB). */
    static final int MAX_READABLE_RECORD = 64 * 1024 * 1024;

    private PackFormat() {
    }

    static ByteBuffer fileHeader() {
        ByteBuffer b = ByteBuffer.allocate(FILE_HEADER);
        b.putInt(MAGIC).putInt(VERSION).flip();
        return b;
    }

    /** Fills {@code into} (cleared, then flipped) with the header of a record of {@code length} bytes. */
    static void recordHeader(ChunkHash hash, int length, ByteBuffer into) {
        byte[] h = new byte[RECORD_HEADER];
        hash.copyTo(h, 0);
        h[32] = (byte) (length >>> 24);
        h[33] = (byte) (length >>> 16);
        h[34] = (byte) (length >>> 8);
        h[35] = (byte) length;
        int crc = crc(h);
        h[36] = (byte) (crc >>> 24);
        h[37] = (byte) (crc >>> 16);
        h[38] = (byte) (crc >>> 8);
        h[39] = (byte) crc;
        into.clear();
        into.put(h).flip();
    }

    /** A header read back: its hash and length, or null when its CRC does not match or its length is impossible. */
    static Header parseRecordHeader(byte[] h) {
        int stored = (h[36] & 0xff) << 24 | (h[37] & 0xff) << 16 | (h[38] & 0xff) << 8 | (h[39] & 0xff);
        if (stored != crc(h)) {
            return null;
        }
        int length = (h[32] & 0xff) << 24 | (h[33] & 0xff) << 16 | (h[34] & 0xff) << 8 | (h[35] & 0xff);
        if (length <= 0 || length > MAX_READABLE_RECORD) {
            return null;
        }
        byte[] digest = new byte[ChunkHash.LENGTH];
        System.arraycopy(h, 0, digest, 0, ChunkHash.LENGTH);
        return new Header(ChunkHash.of(digest), length);
    }

    private static int crc(byte[] h) {
        CRC32C crc = new CRC32C();
        crc.update(h, 0, ChunkHash.LENGTH + 4);
        return (int) crc.getValue();
    }

    record Header(ChunkHash hash, int length) {
    }
}
