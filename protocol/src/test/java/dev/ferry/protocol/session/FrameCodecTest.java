package dev.ferry.protocol.session;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCompression;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Framing is written once: every message survives a round trip as text and, from protocol 2, compressed. */
class FrameCodecTest {

    @Test
    void everyMessageRoundTripsAsTextAndCompressed() throws ProtocolException {
        for (Message m : Messages.oneOfEachKind().values()) {
            assertEquals(m.kind(), FrameCodec.decode(FrameCodec.encode(m, false)).kind());
            assertEquals(Wire.encode(m), Wire.encode(FrameCodec.decode(FrameCodec.encode(m, false))), m.kind().name());
            assertEquals(Wire.encode(m), Wire.encode(FrameCodec.decode(FrameCodec.encode(m, true))), m.kind().name());
        }
    }

    @Test
    void aLongFrameIsCompressedOnlyForAPeerThatReadsIt() throws ProtocolException {
        List<Message.IndexEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(new Message.IndexEntry("photos/2024/img_" + i + ".jpg", "ab".repeat(32)));
        }
        Message index = new Message.IndexBatch(entries, true);
        Frame plain = FrameCodec.encode(index, FrameCodec.compresses(1));
        Frame compressed = FrameCodec.encode(index, FrameCodec.compresses(2));
        assertFalse(plain.isBinary());
        assertEquals(Wire.encode(index), plain.text());
        assertTrue(compressed.isBinary());
        assertTrue(compressed.length() * 4 < plain.length(), compressed.length() + " of " + plain.length());
        assertEquals(Wire.encode(index), FrameCompression.inflate(compressed.binary()));
        assertEquals(entries, ((Message.IndexBatch) FrameCodec.decode(compressed)).entries());
    }

    @Test
    void aShortFrameStaysTextEvenForACompressingPeer() {
        Frame f = FrameCodec.encode(new Message.Check("00".repeat(32)), true);
        assertFalse(f.isBinary());
        assertTrue(f.length() < FrameCompression.MIN_BYTES);
    }

    @Test
    void badFramesAreTypedErrors() {
        assertEquals(ErrorCode.BAD_MESSAGE, assertThrows(ProtocolException.class,
                () -> FrameCodec.decode(Frame.text("{\"type\":\"no-such-message\"}"))).errorCode());
        assertEquals(ErrorCode.BAD_MESSAGE, assertThrows(ProtocolException.class,
                () -> FrameCodec.decode(Frame.binary("not deflate at all".getBytes(StandardCharsets.UTF_8)))).errorCode());
        // An inflate bomb (TOO_LARGE) is FrameCompressionTest's: the codec hands binary frames to the same inflate.
    }

    @Test
    void aFrameIsTextOrBinaryNeverBoth() {
        assertThrows(IllegalArgumentException.class, () -> new Frame("x", new byte[1]));
        assertThrows(IllegalArgumentException.class, () -> new Frame(null, null));
        assertArrayEquals(new byte[]{1}, Frame.binary(new byte[]{1}).binary());
    }
}
