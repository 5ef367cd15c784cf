package dev.ferry.chunker;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** An edit must only change the chunks around it: this is what makes a resync after a small edit cheap. */
class FastCdcLocalityTest {
    private static final FastCdc CDC = new FastCdc();
    private static final int SIZE = 8 * 1024 * 1024;
    /** Edit positions: the middle, plus a few arbitrary ones so one lucky spot cannot hide a regression. */
    private static final int[] POSITIONS = {SIZE / 2, 1_234_567, 5_000_001, SIZE - 70_000};

    private static byte[] data;
    private static Set<ChunkHash> oldHashes;
    private static int oldCount;

    @BeforeAll
    static void chunkOriginal() throws IOException {
        data = TestData.random(2024, SIZE);
        List<Chunk> old = TestData.split(CDC, data);
        oldCount = old.size();
        oldHashes = new HashSet<>();
        old.forEach(c -> oldHashes.add(c.hash()));
    }

    @Test
    void insertingBytesChangesOnlyNearbyChunks() throws IOException {
        byte[] insert = TestData.random(5, 100);
        for (int pos : POSITIONS) {
            byte[] edited = new byte[SIZE + insert.length];
            System.arraycopy(data, 0, edited, 0, pos);
            System.arraycopy(insert, 0, edited, pos, insert.length);
            System.arraycopy(data, pos, edited, pos + insert.length, SIZE - pos);
            assertLocal(edited, "insert at " + pos);
        }
    }

    @Test
    void deletingBytesChangesOnlyNearbyChunks() throws IOException {
        for (int pos : POSITIONS) {
            int del = 100;
            byte[] edited = new byte[SIZE - del];
            System.arraycopy(data, 0, edited, 0, pos);
            System.arraycopy(data, pos + del, edited, pos, SIZE - pos - del);
            assertLocal(edited, "delete at " + pos);
        }
    }

    @Test
    void overwritingOneByteChangesOnlyNearbyChunks() throws IOException {
        for (int pos : POSITIONS) {
            byte[] edited = data.clone();
            edited[pos] ^= (byte) 0xff;
            assertLocal(edited, "overwrite at " + pos);
        }
    }

    private static void assertLocal(byte[] edited, String what) throws IOException {
        List<Chunk> now = TestData.split(CDC, edited);
        long fresh = now.stream().filter(c -> !oldHashes.contains(c.hash())).count();
        assertTrue(fresh >= 1 && fresh <= 3, what + ": " + fresh + " new chunks of " + now.size());
        assertTrue(Math.abs(now.size() - oldCount) <= 2, what + ": chunk count " + oldCount + " -> " + now.size());
    }
}
