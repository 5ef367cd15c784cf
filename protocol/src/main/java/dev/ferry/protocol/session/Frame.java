package dev.ferry.protocol.session;

/**
 * One WebSocket frame of the sync protocol as it travels: a text frame holding a message's JSON, or (protocol 2)
 * a binary frame holding its DEFLATE ({@link dev.ferry.protocol.FrameCompression}). Exactly one of the two is set.
 */
public record Frame(String text, byte[] binary) {
    public Frame {
        if ((text == null) == (binary == null)) {
            throw new IllegalArgumentException("a frame is text or binary");
        }
    }

    public static Frame text(String text) {
        return new Frame(text, null);
    }

    public static Frame binary(byte[] binary) {
        return new Frame(null, binary);
    }

    public boolean isBinary() {
        return binary != null;
    }

    /** Bytes on the wire (characters for a text frame: the JSON is nearly all ASCII). */
    public int length() {
        return binary != null ? binary.length : text.length();
    }
}
