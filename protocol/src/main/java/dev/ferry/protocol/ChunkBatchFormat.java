package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The body of a batched chunk upload, in one of two record forms, until the end of the body:
 * <ul>
 *   <li>plain ({@link Endpoints#CHUNK_BATCH_TYPE}): 32-byte SHA-256, 4-byte big-endian length, the bytes;</li>
 *   <li>coded ({@link Endpoints#CHUNK_BATCH_CODED_TYPE}): 32-byte SHA-256 of the raw bytes, 1-byte
 *       {@link ChunkCodec} id, 4-byte raw length, 4-byte wire length, that many bytes in the codec's form.</li>
 * </ul>
 * Both sides read it as a stream, one chunk at a time, so a batch is never held whole in memory.
 */
public final class ChunkBatchFormat {
    public static final int HEADER = ChunkHash.LENGTH + 4;
    public static final int CODED_HEADER = ChunkHash.LENGTH + 1 + 4 + 4;

    private ChunkBatchFormat() {
    }

    public static void writeRecord(OutputStream out, ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        byte[] header = new byte[HEADER];
        hash.copyTo(header, 0);
        putInt(header, 32, len);
        out.write(header);
        out.write(buf, off, len);
    }

    /** Writes a coded record whose {@code wireLength} bytes in {@code codec}'s form are {@code buf[off, ...)}. */
    public static void writeCodedRecord(OutputStream out, ChunkHash hash, ChunkCodec codec, int rawLength,
                                        byte[] buf, int off, int wireLength) throws IOException {
        byte[] header = new byte[CODED_HEADER];
        writeCodedHeader(header, 0, hash, codec, rawLength, wireLength);
        out.write(header);
        out.write(buf, off, wireLength);
    }

    /** The {@link #CODED_HEADER} bytes of a coded record, at {@code at} in {@code buf}. */
    public static void writeCodedHeader(byte[] buf, int at, ChunkHash hash, ChunkCodec codec, int rawLength,
                                        int wireLength) {
        hash.copyTo(buf, at);
        buf[at + 32] = (byte) codec.id();
        putInt(buf, at + 33, rawLength);
        putInt(buf, at + 37, wireLength);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int getInt(byte[] b, int at) {
        return (b[at] & 0xff) << 24 | (b[at + 1] & 0xff) << 16 | (b[at + 2] & 0xff) << 8 | (b[at + 3] & 0xff);
    }

    /** Reads records one at a time into a buffer of {@code maxChunk} bytes, decoding coded ones. */
    public static final class Reader {
        private final InputStream in;
        private final boolean coded;
        private final byte[] header;
        private final byte[] body;
        private final int maxChunk;
        /** Coded records' wire bytes; null for plain records. */
        private final byte[] packed;
        private final ChunkDecompressor decompressor;
        private ChunkHash hash;
        private int length;
        private int wireLength;
        private ChunkCodec codec;

        /** A reader of plain records. */
        public Reader(InputStream in, int maxChunk) {
            this(in, maxChunk, false);
        }

        /** A reader of coded records when {@code coded}, else of plain ones. */
        public Reader(InputStream in, int maxChunk, boolean coded) {
            this.in = in;
            this.coded = coded;
            this.maxChunk = maxChunk;
            this.header = new byte[coded ? CODED_HEADER : HEADER];
            this.body = new byte[coded ? maxChunk + ChunkDecompressor.SLACK : maxChunk];
            this.packed = coded ? new byte[maxChunk + ChunkDecompressor.SLACK] : null;
            this.decompressor = coded ? new ChunkDecompressor() : null;
        }

        /**
         * Advances to the next record; false at a clean end of the body.
         *
         * @throws ProtocolException {@code truncated} when the body ends inside a record, {@code too-large} when a
         *                           length exceeds the maximum chunk size, {@code bad-compression} when a coded
         *                           record names an unknown codec, its lengths lie or its bytes do not decode
         */
        public boolean next() throws IOException, ProtocolException {
            int n = in.readNBytes(header, 0, header.length);
            if (n == 0) {
                return false;
            }
            if (n < header.length) {
                throw new ProtocolException(ErrorCode.TRUNCATED, "batch ends inside a record header");
            }
            byte[] digest = new byte[ChunkHash.LENGTH];
            System.arraycopy(header, 0, digest, 0, ChunkHash.LENGTH);
            hash = ChunkHash.of(digest);
            if (!coded) {
                length = getInt(header, 32);
                checkLength(length);
                wireLength = length;
                codec = ChunkCodec.NONE;
                readFully(body, length);
                return true;
            }
            codec = ChunkCodec.ofId(header[32] & 0xff);
            length = getInt(header, 33);
            wireLength = getInt(header, 37);
            checkLength(length);
            if (codec == null) {
                throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "chunk " + hash.hex() + ": unknown codec "
                        + (header[32] & 0xff));
            }
            if (wireLength <= 0 || wireLength > length) {
                throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "chunk " + hash.hex() + ": wire length " + wireLength
                        + " outside 1.." + length + " (its raw length)");
            }
            if (codec == ChunkCodec.NONE) {
                if (wireLength != length) {
                    throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "chunk " + hash.hex() + ": a raw record's two "
                            + "lengths differ: " + wireLength + " and " + length);
                }
                readFully(body, length);
                return true;
            }
            readFully(packed, wireLength);
            try {
                decompressor.decode(codec, packed, wireLength, body, length);
            } catch (ProtocolException e) {
                throw new ProtocolException(e.errorCode(), "chunk " + hash.hex() + ": " + e.getMessage());
            }
            return true;
        }

        private void checkLength(int len) throws ProtocolException {
            if (len <= 0 || len > maxChunk) {
                throw new ProtocolException(ErrorCode.TOO_LARGE, "chunk length " + len + " outside 1.." + maxChunk);
            }
        }

        private void readFully(byte[] into, int len) throws IOException, ProtocolException {
            if (in.readNBytes(into, 0, len) < len) {
                throw new ProtocolException(ErrorCode.TRUNCATED, "batch ends inside chunk " + hash.hex());
            }
        }

        public ChunkHash hash() {
            return hash;
        }

        /** The current record's raw length. */
        public int length() {
            return length;
        }

        /** The current record's length on the wire (its header excluded): the raw length unless compressed. */
        public int wireLength() {
            return wireLength;
        }

        public ChunkCodec codec() {
            return codec;
        }

        /** The current record's raw bytes, valid until the next call to {@link #next()}. */
        public byte[] buffer() {
            return body;
        }
    }

}
