package dev.ferry.watcher.scan;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.watcher.scan.ChunkChecksums;
import org.junit.jupiter.api.Test;

import java.util.Random;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ChunkChecksumsTest {
    private static byte[] bytes(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void crcIsCrc32cOfTheRange() {
        byte[] b = bytes(1, 5000);
        CRC32C reference = new CRC32C();
        reference.update(b, 100, 4000);
        assertEquals((int) reference.getValue(), ChunkChecksums.crc(b, 100, 4000));
        b[2000] ^= 1;
        assertNotEquals((int) reference.getValue(), ChunkChecksums.crc(b, 100, 4000), "one flipped bit changes it");
    }

    @Test
    void keepsAtMostItsCapacityDroppingTheOldest() {
        ChunkChecksums c = new ChunkChecksums(3);
        ChunkHash[] h = new ChunkHash[5];
        for (int i = 0; i < 5; i++) {
            byte[] b = bytes(i, 100);
            h[i] = ChunkHash.compute(b, 0, b.length);
            c.hashed(h[i], b, 0, b.length);
        }
        assertEquals(3, c.size());
        assertNull(c.of(h[0]));
        assertNull(c.of(h[1]));
        byte[] b4 = bytes(4, 100);
        assertEquals(ChunkChecksums.crc(b4, 0, 100), c.of(h[4]));
    }

    @Test
    void noneKeepsNothing() {
        byte[] b = bytes(9, 100);
        ChunkHash h = ChunkHash.compute(b, 0, b.length);
        ChunkChecksums.NONE.hashed(h, b, 0, b.length);
        assertNull(ChunkChecksums.NONE.of(h));
    }
}
