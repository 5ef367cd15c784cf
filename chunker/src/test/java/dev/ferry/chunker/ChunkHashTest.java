package dev.ferry.chunker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class ChunkHashTest {
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void computeMatchesKnownSha256() {
        byte[] abc = "xxabcxx".getBytes(StandardCharsets.US_ASCII);
        assertEquals(ABC, ChunkHash.compute(abc, 2, 3).hex());
        assertEquals(EMPTY, ChunkHash.compute(new byte[0], 0, 0).hex());
        MessageDigest md = ChunkHash.newDigest();
        md.update(abc, 2, 3);
        assertEquals(ChunkHash.parse(ABC), ChunkHash.finish(md));
        assertEquals(ChunkHash.parse(EMPTY), ChunkHash.finish(md), "finish resets the digest for reuse");
    }

    @Test
    void hexRoundTripsAndAcceptsUpperCase() {
        ChunkHash h = ChunkHash.parse(ABC);
        assertEquals(ABC, h.hex());
        assertEquals(ABC, h.toString());
        assertEquals(h, ChunkHash.parse(ABC.toUpperCase()));
        assertEquals(h, ChunkHash.of(h.toBytes()));
        byte[] dst = new byte[40];
        h.copyTo(dst, 4);
        byte[] slice = new byte[32];
        System.arraycopy(dst, 4, slice, 0, 32);
        assertArrayEquals(h.toBytes(), slice);
    }

    @Test
    void invalidHexIsRejected() {
        for (String bad : new String[] {null, "", ABC.substring(1), ABC + "0", "g" + ABC.substring(1),
                ABC.substring(0, 63) + " ", "+" + ABC.substring(1)}) {
            assertThrows(IllegalArgumentException.class, () -> ChunkHash.parse(bad), String.valueOf(bad));
            assertFalse(ChunkHash.isValid(bad), String.valueOf(bad));
        }
        assertTrue(ChunkHash.isValid(ABC));
        assertTrue(ChunkHash.isValid(ABC.toUpperCase()));
    }

    @Test
    void ofRejectsWrongLengthAndCopies() {
        assertThrows(IllegalArgumentException.class, () -> ChunkHash.of(new byte[31]));
        assertThrows(IllegalArgumentException.class, () -> ChunkHash.of(new byte[33]));
        byte[] raw = new byte[32];
        ChunkHash h = ChunkHash.of(raw);
        raw[0] = 1;
        assertEquals(0, h.toBytes()[0], "of() copies its input");
        h.toBytes()[1] = 9;
        assertEquals(0, h.toBytes()[1], "toBytes() returns a copy");
    }

    @Test
    void equalsHashCodeAndUnsignedOrder() {
        ChunkHash a = ChunkHash.parse(ABC);
        ChunkHash a2 = ChunkHash.parse(ABC);
        ChunkHash e = ChunkHash.parse(EMPTY);
        assertEquals(a, a2);
        assertEquals(a.hashCode(), a2.hashCode());
        assertEquals(0xba7816bf, a.hashCode());
        assertNotEquals(a, e);
        assertNotEquals(a, ABC);
        assertEquals(0, a.compareTo(a2));

        ChunkHash low = ChunkHash.parse("7f" + "ff".repeat(31));
        ChunkHash high = ChunkHash.parse("80" + "00".repeat(31));
        assertTrue(low.compareTo(high) < 0, "bytes compare unsigned, like the hex strings");
        assertTrue(high.compareTo(low) > 0);
        assertEquals(Integer.signum(low.hex().compareTo(high.hex())), Integer.signum(low.compareTo(high)));
        assertTrue(e.compareTo(a) > 0, "e3... sorts after ba...");
    }
}
