package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;
import io.airlift.compress.zstd.ZstdCompressor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The coded record form ({@link Endpoints#CHUNK_BATCH_CODED_TYPE}) as the store reads it, hostile forms included. */
class CodedChunkBatchTest {
    private static final int MAX = 256 * 1024;

    static byte[] zstd(byte[] raw) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(raw.length)];
        return Arrays.copyOf(out, c.compress(raw, 0, raw.length, out, 0, out.length));
    }

    static byte[] record(ChunkHash hash, ChunkCodec codec, int rawLength, byte[] wire) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ChunkBatchFormat.writeCodedRecord(out, hash, codec, rawLength, wire, 0, wire.length);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static ChunkBatchFormat.Reader reader(byte[] body) {
        return new ChunkBatchFormat.Reader(new ByteArrayInputStream(body), MAX, true);
    }

    private static String refusal(ChunkBatchFormat.Reader r) {
        return assertThrows(ProtocolException.class, r::next).code();
    }

    @Test
    void rawAndCompressedRecordsReadBackAsTheirRawBytes() throws Exception {
        byte[] text = ChunkCompressorTest.text();
        byte[] random = ChunkCompressorTest.random(5000, 9);
        byte[] frame = zstd(text);
        ChunkBatchFormat.Reader r = reader(concat(
                record(ChunkHash.compute(text, 0, text.length), ChunkCodec.ZSTD, text.length, frame),
                record(ChunkHash.compute(random, 0, random.length), ChunkCodec.NONE, random.length, random)));
        assertTrue(r.next());
        assertEquals(ChunkCodec.ZSTD, r.codec());
        assertEquals(text.length, r.length());
        assertEquals(frame.length, r.wireLength());
        assertArrayEquals(text, Arrays.copyOf(r.buffer(), r.length()));
        assertTrue(r.next());
        assertEquals(ChunkCodec.NONE, r.codec());
        assertArrayEquals(random, Arrays.copyOf(r.buffer(), r.length()));
        assertFalse(r.next());
    }

    @Test
    void aBombIsRefusedAtItsDeclaredLength() throws Exception {
        // 8 MiB of zeros in a frame of a few hundred bytes, declared as 1,000 bytes: decoding stops at 1,000.
        byte[] zeros = new byte[8 * 1024 * 1024];
        byte[] bomb = zstd(zeros);
        assertTrue(bomb.length < 4 * 1024, "bomb frame " + bomb.length);
        ChunkBatchFormat.Reader r = reader(record(ChunkHash.compute(zeros, 0, 1000), ChunkCodec.ZSTD, 1000, bomb));
        assertEquals("bad-compression", refusal(r));
        // Declared as the largest chunk, it still inflates past it.
        r = reader(record(ChunkHash.compute(zeros, 0, MAX), ChunkCodec.ZSTD, MAX, bomb));
        assertEquals("bad-compression", refusal(r));
    }

    @Test
    void recordsThatLieAboutTheirLengthsAreRefused() throws Exception {
        byte[] text = ChunkCompressorTest.text();
        ChunkHash hash = ChunkHash.compute(text, 0, text.length);
        byte[] frame = zstd(text);
        // The frame holds more than the record declares, and less.
        assertEquals("bad-compression", refusal(reader(record(hash, ChunkCodec.ZSTD, text.length - 1, frame))));
        byte[] shortFrame = zstd(Arrays.copyOf(text, 1000));
        assertEquals("bad-compression", refusal(reader(record(hash, ChunkCodec.ZSTD, text.length, shortFrame))));
        // A raw record whose two lengths differ; a wire length above the raw one; a raw length past the limit.
        byte[] rawWithWrongLength = record(hash, ChunkCodec.NONE, text.length, text);
        rawWithWrongLength[33 + 3]--;
        assertEquals("bad-compression", refusal(reader(rawWithWrongLength)));
        byte[] wireTooLong = record(hash, ChunkCodec.ZSTD, 100, Arrays.copyOf(frame, 101));
        assertEquals("bad-compression", refusal(reader(wireTooLong)));
        byte[] huge = record(hash, ChunkCodec.ZSTD, MAX + 1, frame);
        assertEquals("too-large", refusal(reader(huge)));
        // An unknown codec.
        byte[] unknown = record(hash, ChunkCodec.ZSTD, text.length, frame);
        unknown[32] = 9;
        assertEquals("bad-compression", refusal(reader(unknown)));
    }

    @Test
    void truncatedRecordsAreRefused() throws Exception {
        byte[] text = ChunkCompressorTest.text();
        byte[] whole = record(ChunkHash.compute(text, 0, text.length), ChunkCodec.ZSTD, text.length, zstd(text));
        assertEquals("truncated", refusal(reader(Arrays.copyOf(whole, 20))));
        assertEquals("truncated", refusal(reader(Arrays.copyOf(whole, whole.length - 1))));
    }

    /** {@code -Dcompress.fuzz=N} frames (default 4,000, a few seconds) for a longer run. */
    @Test
    void corruptFramesAreRefusedOrDecodeWithinTheirLengthNeverBeyond() throws Exception {
        int frames = Integer.getInteger("compress.fuzz", 4_000);
        long seed = Long.getLong("compress.fuzz.seed", 13);
        byte[] text = ChunkCompressorTest.text();
        byte[] frame = zstd(text);
        ChunkDecompressor d = new ChunkDecompressor();
        Random rnd = new Random(seed);
        int refused = 0;
        for (int i = 0; i < frames; i++) {
            byte[] in = Arrays.copyOf(frame, frame.length + ChunkDecompressor.SLACK);
            int n = frame.length;
            switch (i % 4) {
                case 0 -> in[rnd.nextInt(n)] ^= (byte) (1 + rnd.nextInt(255));
                case 1 -> {
                    for (int k = 0; k < 8; k++) {
                        in[rnd.nextInt(n)] = (byte) rnd.nextInt(256);
                    }
                }
                case 2 -> n = 1 + rnd.nextInt(n - 1);
                default -> {
                    int at = rnd.nextInt(n - 16);
                    byte[] noise = new byte[16];
                    rnd.nextBytes(noise);
                    System.arraycopy(noise, 0, in, at, 16);
                }
            }
            int rawLength = i % 8 == 0 ? 1 + rnd.nextInt(text.length) : text.length;
            byte[] out = new byte[rawLength + ChunkDecompressor.SLACK];
            Arrays.fill(out, rawLength, out.length, (byte) 0x5a);
            try {
                d.decode(ChunkCodec.ZSTD, in, n, out, rawLength);
            } catch (ProtocolException e) {
                assertEquals("bad-compression", e.code());
                refused++;
            }
            for (int k = rawLength; k < out.length; k++) {
                assertEquals((byte) 0x5a, out[k], "input " + i + " of seed " + seed + " wrote past the declared length");
            }
        }
        assertTrue(refused > frames / 2, refused + " of " + frames + " corrupt frames refused");
    }
}
