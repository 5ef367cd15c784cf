package dev.ferry.chunker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FastCdcTest {
    private static final ChunkerParams P = ChunkerParams.DEFAULT;
    private static final FastCdc CDC = new FastCdc(P);

    @Test
    void emptyStreamGivesNoChunk() throws IOException {
        assertEquals(List.of(), TestData.split(CDC, new byte[0]));
        assertEquals(0, CDC.cut(new byte[0], 0, 0));
    }

    @Test
    void inputUpToMinSizeIsOneChunk() throws IOException {
        for (int size : new int[] {1, 100, P.minSize() - 1, P.minSize()}) {
            byte[] data = TestData.random(size, size);
            List<Chunk> chunks = TestData.split(CDC, data);
            assertEquals(1, chunks.size(), "size " + size);
            assertEquals(new Chunk(0, size, ChunkHash.compute(data, 0, size)), chunks.get(0));
        }
    }

    @Test
    void allZerosIsCutAtMaxSize() throws IOException {
        byte[] zeros = new byte[1024 * 1024 + 12345];
        List<Chunk> chunks = TestData.split(CDC, zeros);
        assertEquals(zeros.length / P.maxSize() + 1, chunks.size());
        for (int i = 0; i < chunks.size() - 1; i++) {
            assertEquals(P.maxSize(), chunks.get(i).length());
            assertEquals(chunks.get(0).hash(), chunks.get(i).hash(), "identical content, identical hash");
        }
        assertEquals(zeros.length % P.maxSize(), chunks.get(chunks.size() - 1).length());
    }

    @Test
    void randomDataRespectsMinAndMaxAndIsContiguous() throws IOException {
        byte[] data = TestData.random(7, 16 * 1024 * 1024);
        List<Chunk> chunks = TestData.split(CDC, data);
        assertWellFormed(chunks, data.length, P);
        double mean = (double) data.length / chunks.size();
        assertTrue(mean > 0.6 * P.avgSize() && mean < 1.6 * P.avgSize(), "mean chunk size " + mean);
    }

    @Test
    void smallParamsForceMaxCutsAndStayInBounds() throws IOException {
        // avg 4 KiB with max only 5 KiB: many chunks hit max, none may pass it.
        ChunkerParams small = new ChunkerParams(ChunkerParams.FASTCDC_V1, 1024, 4096, 5 * 1024);
        FastCdc cdc = new FastCdc(small);
        byte[] data = TestData.random(11, 2 * 1024 * 1024);
        List<Chunk> chunks = TestData.split(cdc, data);
        assertWellFormed(chunks, data.length, small);
        long atMax = chunks.stream().filter(c -> c.length() == small.maxSize()).count();
        assertTrue(atMax > 0, "some chunks must be cut at max size");
        assertTrue(atMax < chunks.size(), "not every chunk should be forced");
    }

    @Test
    void bytesInsideTheSkippedMinimumDoNotMoveTheCut() throws IOException {
        byte[] data = TestData.random(3, 1024 * 1024);
        int first = CDC.cut(data, 0, data.length);
        assertTrue(first > P.minSize());
        byte[] edited = data.clone();
        for (int i = 0; i < P.minSize(); i += 97) {
            edited[i] ^= 0x5a;
        }
        assertEquals(first, CDC.cut(edited, 0, edited.length), "the first minSize bytes are never hashed");
    }

    @Test
    void streamReadSizesDoNotChangeChunks() throws IOException {
        byte[] data = TestData.random(21, 3 * 1024 * 1024 + 777);
        List<Chunk> oneShot = TestData.split(CDC, data);
        assertEquals(oneShot, TestData.split(CDC, TestData.choppy(data, 7, 1)));
        assertEquals(oneShot, TestData.split(CDC, TestData.choppy(data, 4096, 2)));
        assertEquals(oneShot, TestData.split(CDC, TestData.choppy(data, 700_000, 3)));
    }

    @Test
    void sizeHintOnlySizesTheBuffer() throws IOException {
        byte[] data = TestData.random(23, 2 * 1024 * 1024 + 99);
        List<Chunk> expected = TestData.split(CDC, data);
        for (long hint : new long[] {0, 1000, 300_000, data.length, 10L * data.length, Long.MAX_VALUE}) {
            List<Chunk> got = new ArrayList<>();
            CDC.split(TestData.choppy(data, 50_000, hint), hint, (chunk, buf, off) -> {
                assertEquals(ChunkHash.compute(buf, off, chunk.length()), chunk.hash());
                got.add(chunk);
            });
            assertEquals(expected, got, "hint " + hint);
        }
    }

    @Test
    void cutOnWholeArrayAgreesWithSplitAndWithReference() throws IOException {
        byte[] data = TestData.random(99, 6 * 1024 * 1024 + 5);
        List<Chunk> chunks = TestData.split(CDC, data);
        List<Integer> viaCut = new ArrayList<>();
        for (int pos = 0; pos < data.length; ) {
            int n = CDC.cut(data, pos, data.length - pos);
            viaCut.add(n);
            pos += n;
        }
        assertEquals(chunks.stream().map(Chunk::length).toList(), viaCut);
        assertEquals(referenceLengths(data, P), viaCut);
    }

    @Test
    void referenceAgreesOnStructuredDataAndOtherParams() throws IOException {
        // Repetitive text-like data with random runs exercises both masks and the max cut.
        byte[] data = new byte[2 * 1024 * 1024];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int i = 0; i < data.length; i++) {
            data[i] = (i / 4096) % 3 == 0 ? (byte) rnd.nextInt(256) : (byte) ("ferry sync ".charAt(i % 11));
        }
        for (ChunkerParams p : List.of(P, new ChunkerParams(ChunkerParams.FASTCDC_V1, 2048, 8192, 65536),
                new ChunkerParams(ChunkerParams.FASTCDC_V1, 64, 256, 1024))) {
            FastCdc cdc = new FastCdc(p);
            List<Chunk> chunks = TestData.split(cdc, data);
            assertWellFormed(chunks, data.length, p);
            assertEquals(referenceLengths(data, p), chunks.stream().map(Chunk::length).toList(), p.toString());
        }
    }

    @Test
    void sinkSeesExactlyTheChunkBytes() throws IOException {
        byte[] data = TestData.random(8, 2 * 1024 * 1024);
        int[] seen = {0};
        CDC.split(TestData.choppy(data, 5000, 9), (chunk, buf, off) -> {
            int o = Math.toIntExact(chunk.offset());
            assertArrayEquals(Arrays.copyOfRange(data, o, o + chunk.length()),
                    Arrays.copyOfRange(buf, off, off + chunk.length()));
            assertEquals(ChunkHash.compute(data, o, chunk.length()), chunk.hash());
            seen[0] += chunk.length();
        });
        assertEquals(data.length, seen[0]);
    }


    /** The large-file buffer is reused by the next split on the thread: nothing of the previous stream may leak. */
    @Test
    void reusedBufferNeverLeaksThePreviousStream() throws IOException {
        byte[] big = TestData.random(31, 3 * 1024 * 1024 + 5);
        byte[] shorter = TestData.random(32, 2 * 1024 * 1024 + 17);
        List<Chunk> expectedBig = TestData.split(CDC, big);
        List<Chunk> expectedShorter = TestData.split(CDC, shorter);
        for (int round = 0; round < 3; round++) {
            assertEquals(expectedBig, TestData.split(CDC, TestData.choppy(big, 60_000, round)), "round " + round);
            assertEquals(expectedShorter, TestData.split(CDC, TestData.choppy(shorter, 60_000, round)), "round " + round);
        }
        // A zero-filled stream after random ones: a stale buffer would show up as other cut points and hashes.
        byte[] zeros = new byte[2 * 1024 * 1024];
        List<Chunk> z = TestData.split(CDC, zeros);
        assertEquals(8, z.size());
        assertEquals(ChunkHash.compute(new byte[P.maxSize()], 0, P.maxSize()), z.get(3).hash());
    }

    /** A sink that splits another stream on the same thread gets a buffer of its own. */
    @Test
    void splitInsideASinkDoesNotShareTheBuffer() throws IOException {
        byte[] outer = TestData.random(33, 2 * 1024 * 1024 + 3);
        byte[] inner = TestData.random(34, 2 * 1024 * 1024 + 9);
        List<Chunk> expectedInner = TestData.split(CDC, inner);
        List<Chunk> got = new ArrayList<>();
        CDC.split(TestData.choppy(outer, 80_000, 5), -1, (chunk, buf, off) -> {
            assertEquals(expectedInner, TestData.split(CDC, TestData.choppy(inner, 80_000, 6)));
            assertEquals(ChunkHash.compute(buf, off, chunk.length()), chunk.hash(), "outer bytes intact after the inner split");
            got.add(chunk);
        });
        assertEquals(TestData.split(CDC, outer), got);
    }
    @Test
    void sinkFailurePropagates() {
        IOException boom = new IOException("disk full");
        IOException thrown = assertThrows(IOException.class, () -> CDC.split(
                new ByteArrayInputStream(new byte[100]), (chunk, buf, off) -> {
                    throw boom;
                }));
        assertSame(boom, thrown);
    }

    @Test
    void chunksOfFileMatchChunksOfStream(@TempDir Path dir) throws IOException {
        byte[] data = TestData.random(13, 1024 * 1024 + 3);
        Path file = dir.resolve("f.bin");
        Files.write(file, data);
        assertEquals(TestData.split(CDC, data), CDC.chunks(file));
        Path empty = Files.write(dir.resolve("empty"), new byte[0]);
        assertEquals(List.of(), CDC.chunks(empty));
        Path small = Files.write(dir.resolve("small"), new byte[] {1, 2, 3});
        assertEquals(List.of(new Chunk(0, 3, ChunkHash.compute(new byte[] {1, 2, 3}, 0, 3))), CDC.chunks(small));
    }

    @Test
    void cutRejectsOutOfRangeArguments() {
        byte[] buf = new byte[10];
        assertThrows(IndexOutOfBoundsException.class, () -> CDC.cut(buf, 5, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> CDC.cut(buf, -1, 2));
        assertThrows(IndexOutOfBoundsException.class, () -> CDC.cut(buf, 0, -1));
    }

    @Test
    void cutWorksAtAnOffsetInsideALargerBuffer() {
        byte[] data = TestData.random(17, 600 * 1024);
        byte[] padded = new byte[data.length + 1000];
        System.arraycopy(data, 0, padded, 1000, data.length);
        assertEquals(CDC.cut(data, 0, data.length), CDC.cut(padded, 1000, data.length));
    }

    static void assertWellFormed(List<Chunk> chunks, long total, ChunkerParams p) {
        long expectedOffset = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Chunk c = chunks.get(i);
            assertEquals(expectedOffset, c.offset(), "offsets are contiguous");
            assertTrue(c.length() <= p.maxSize(), "chunk " + i + " longer than max");
            if (i < chunks.size() - 1) {
                assertTrue(c.length() > p.minSize(), "chunk " + i + " not the last yet only " + c.length());
            }
            expectedOffset += c.length();
        }
        assertEquals(total, expectedOffset, "chunks cover the input");
    }

    /**
     * A deliberately naive transcription of FastCDC 2020 NC-2 (one byte at a time, gear table taken from
     * SplittableRandom, top-bit test via numberOfLeadingZeros) to cross-check the optimized kernel.
     */
    static List<Integer> referenceLengths(byte[] data, ChunkerParams p) {
        SplittableRandom gearRnd = new SplittableRandom(FastCdc.GEAR_SEED);
        long[] gear = new long[256];
        for (int i = 0; i < 256; i++) {
            gear[i] = gearRnd.nextLong();
        }
        int bits = Integer.numberOfTrailingZeros(p.avgSize());
        List<Integer> out = new ArrayList<>();
        int start = 0;
        while (start < data.length) {
            long h = 0;
            int len = 0;
            while (true) {
                if (start + len == data.length) {
                    break;
                }
                len++;
                if (len == p.maxSize()) {
                    break;
                }
                if (len <= p.minSize()) {
                    continue;
                }
                h = (h << 1) + gear[data[start + len - 1] & 0xff];
                int needZeroTopBits = len <= p.avgSize() ? bits + 2 : bits - 2;
                if (Long.numberOfLeadingZeros(h) >= needZeroTopBits) {
                    break;
                }
            }
            out.add(len);
            start += len;
        }
        return out;
    }
}
