package dev.ferry.protocol;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameCompressionTest {

    @Test
    void manyPathsShrinkSeveralTimesAndRoundTrip() throws Exception {
        List<Change> items = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            items.add(new Change.Upsert(Manifest.directory("projects/ferry/src/main/java/dev/d" + i, 0755,
                    1_700_000_000_000_000_000L + i)));
        }
        String text = Wire.encode(new Message.Changes(3, items));
        byte[] packed = FrameCompression.deflate(text);
        assertTrue(packed.length * 8 < text.length(), packed.length + " of " + text.length());
        assertEquals(text, FrameCompression.inflate(packed));
        assertEquals("", FrameCompression.inflate(FrameCompression.deflate("")));
        assertEquals("żółw ✓", FrameCompression.inflate(FrameCompression.deflate("żółw ✓")));
    }

    @Test
    void aBombOrGarbageIsRefused() {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(new byte[Wire.MAX_FRAME_BYTES + 1]);
        d.finish();
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        byte[] buf = new byte[65536];
        while (!d.finished()) {
            bomb.write(buf, 0, d.deflate(buf));
        }
        d.end();
        ProtocolException big = assertThrows(ProtocolException.class, () -> FrameCompression.inflate(bomb.toByteArray()));
        assertEquals("too-large", big.code());
        ProtocolException junk = assertThrows(ProtocolException.class, () -> FrameCompression.inflate(new byte[] {(byte) 0xff, 1, 2, 3}));
        assertEquals("bad-message", junk.code());
        byte[] whole = FrameCompression.deflate("{\"type\":\"check\",\"rootDigest\":\"abc\"}");
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length / 2);
        assertEquals("bad-message", assertThrows(ProtocolException.class, () -> FrameCompression.inflate(cut)).code());
    }
}
