package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkBatchFormatTest {

    private static byte[] batch(byte[]... chunks) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] c : chunks) {
            ChunkBatchFormat.writeRecord(out, ChunkHash.compute(c, 0, c.length), c, 0, c.length);
        }
        return out.toByteArray();
    }

    @Test
    void readsBackWhatWasWritten() throws Exception {
        byte[] a = "first chunk".getBytes();
        byte[] b = new byte[1000];
        Arrays.fill(b, (byte) 7);
        ChunkBatchFormat.Reader r = new ChunkBatchFormat.Reader(new ByteArrayInputStream(batch(a, b)), 4096);
        assertTrue(r.next());
        assertEquals(ChunkHash.compute(a, 0, a.length), r.hash());
        assertArrayEquals(a, Arrays.copyOf(r.buffer(), r.length()));
        assertTrue(r.next());
        assertEquals(1000, r.length());
        assertFalse(r.next());
    }

    @Test
    void truncatedAndOversizedRecordsAreRefused() throws Exception {
        byte[] whole = batch(new byte[100]);
        ChunkBatchFormat.Reader cut = new ChunkBatchFormat.Reader(new ByteArrayInputStream(Arrays.copyOf(whole, 120)), 4096);
        assertEquals("truncated", assertThrows(ProtocolException.class, cut::next).code());
        ChunkBatchFormat.Reader header = new ChunkBatchFormat.Reader(new ByteArrayInputStream(Arrays.copyOf(whole, 10)), 4096);
        assertEquals("truncated", assertThrows(ProtocolException.class, header::next).code());
        ChunkBatchFormat.Reader big = new ChunkBatchFormat.Reader(new ByteArrayInputStream(whole), 99);
        assertEquals("too-large", assertThrows(ProtocolException.class, big::next).code());
    }
}
