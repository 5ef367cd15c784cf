package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The body of a batched chunk upload: records of (32-byte SHA-256, 4-byte big-endian length, bytes) until the
 * end of the body. Both sides read it as a stream, one chunk at a time, so a batch is never held whole in memory.
 */
public final class ChunkBatchFormat {
    public static final int HEADER = ChunkHash.LENGTH + 4;

    private ChunkBatchFormat() {
    }

    public static void writeRecord(OutputStream out, ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        byte[] header = new byte[HEADER];
        hash.copyTo(header, 0);
        header[32] = (byte) (len >>> 24);
        header[33] = (byte) (len >>> 16);
        header[34] = (byte) (len >>> 8);
        header[35] = (byte) len;
        out.write(header);
        out.write(buf, off, len);
    }

    /** Reads records one at a time into a buffer of {@code maxChunk} bytes. */
    public static final class Reader {
        private final InputStream in;
        private final byte[] header = new byte[HEADER];
        private final byte[] body;
        private ChunkHash hash;
        private int length;

        public Reader(InputStream in, int maxChunk) {
            this.in = in;
            this.body = new byte[maxChunk];
        }

        /**
         * Advances to the next record; false at a clean end of the body.
         *
         * @throws ProtocolException {@code truncated} when the body ends inside a record, {@code too-large} when a
         *                           length exceeds the maximum chunk size
         */
        public boolean next() throws IOException, ProtocolException {
            int n = in.readNBytes(header, 0, HEADER);
            if (n == 0) {
                return false;
            }
            if (n < HEADER) {
                throw new ProtocolException("truncated", "batch ends inside a record header");
            }
            byte[] digest = new byte[ChunkHash.LENGTH];
            System.arraycopy(header, 0, digest, 0, ChunkHash.LENGTH);
            hash = ChunkHash.of(digest);
            length = (header[32] & 0xff) << 24 | (header[33] & 0xff) << 16 | (header[34] & 0xff) << 8 | (header[35] & 0xff);
            if (length <= 0 || length > body.length) {
                throw new ProtocolException("too-large", "chunk length " + length + " outside 1.." + body.length);
            }
            if (in.readNBytes(body, 0, length) < length) {
                throw new ProtocolException("truncated", "batch ends inside chunk " + hash.hex());
            }
            return true;
        }

        public ChunkHash hash() {
            return hash;
        }

        public int length() {
            return length;
        }

        /** The current record's bytes, valid until the next call to {@link #next()}. */
        public byte[] buffer() {
            return body;
        }
    }

}
