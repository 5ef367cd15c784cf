package dev.ferry.protocol;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkCompressorTest {
    private static final int CHUNK = 64 * 1024;

    /** 64 KiB of real text: this module's own Java sources, end to end. */
    static byte[] text() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var files = Files.list(Path.of("src/main/java/dev/ferry/protocol"))) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                out.write(Files.readAllBytes(p));
            }
        }
        byte[] all = out.toByteArray();
        assertTrue(all.length >= CHUNK, "the sources hold " + all.length + " bytes");
        return Arrays.copyOf(all, CHUNK);
    }

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] decode(byte[] frame, int n, int rawLength) throws ProtocolException {
        byte[] in = Arrays.copyOf(frame, n + ChunkDecompressor.SLACK);
        byte[] out = new byte[rawLength + ChunkDecompressor.SLACK];
        new ChunkDecompressor().decode(ChunkCodec.ZSTD, in, n, out, rawLength);
        return Arrays.copyOf(out, rawLength);
    }

    @Test
    void textIsCompressedAndDecodesToItself() throws Exception {
        byte[] raw = text();
        byte[] buf = Arrays.copyOf(raw, CHUNK);
        ChunkCompressor c = new ChunkCompressor();
        int n = c.compressInPlace(buf, 0, CHUNK);
        assertTrue(n > 0 && n < CHUNK / 3, "64 KiB of Java source compressed to " + n + " bytes");
        assertArrayEquals(raw, decode(buf, n, CHUNK));
    }

    @Test
    void randomBytesAreSkippedWithoutCompressing() {
        byte[] raw = random(CHUNK, 1);
        byte[] buf = raw.clone();
        ChunkCompressor c = new ChunkCompressor();
        assertTrue(c.sampleEntropy(buf, 0, CHUNK) > 7.9, "entropy " + c.sampleEntropy(buf, 0, CHUNK));
        assertEquals(-1, c.compressInPlace(buf, 0, CHUNK));
        assertEquals(0, c.attempts(), "random bytes went through zstd");
        assertArrayEquals(raw, buf, "a skipped chunk is left as it was");
    }

    @Test
    void compressedArchivesAreSkippedWithoutCompressing() throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        byte[] text = text();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            for (int i = 0; i < 16; i++) {
                // Different text each round, so the archive is as long as a chunk.
                out.write(random(4096, i));
                out.write(text, i * 4096, 4096);
            }
        }
        byte[] archive = Arrays.copyOf(gz.toByteArray(), 32 * 1024);
        ChunkCompressor c = new ChunkCompressor();
        assertEquals(-1, c.compressInPlace(archive, 0, archive.length));
        assertEquals(0, c.attempts());
    }

    @Test
    void aChunkHalfTextHalfRandomIsStillCompressed() throws Exception {
        byte[] raw = new byte[CHUNK];
        System.arraycopy(text(), 0, raw, 0, CHUNK / 2);
        System.arraycopy(random(CHUNK / 2, 2), 0, raw, CHUNK / 2, CHUNK / 2);
        byte[] buf = raw.clone();
        int n = new ChunkCompressor().compressInPlace(buf, 0, CHUNK);
        assertTrue(n > 0 && n < CHUNK * 3 / 4, "compressed to " + n);
        assertArrayEquals(raw, decode(buf, n, CHUNK));
    }

    @Test
    void aFrameIsKeptOnlyWhenItSavesASixteenth() {
        assertTrue(ChunkCompressor.pays(65536, 61440));
        assertFalse(ChunkCompressor.pays(65536, 61441));
        assertFalse(ChunkCompressor.pays(1000, 1000));
    }

    @Test
    void shortChunksGoRaw() {
        byte[] buf = new byte[ChunkCompressor.MIN_LENGTH - 1];
        ChunkCompressor c = new ChunkCompressor();
        assertEquals(-1, c.compressInPlace(buf, 0, buf.length));
        assertEquals(0, c.attempts());
    }
}
