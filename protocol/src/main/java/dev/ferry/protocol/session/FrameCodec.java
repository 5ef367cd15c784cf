package dev.ferry.protocol.session;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.FrameCompression;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;

/**
 * The one place a sync message becomes a frame and a frame a message, for both sides: JSON text ({@link Wire}),
 * and from protocol 2 on a frame of {@link FrameCompression#MIN_BYTES} or more sent compressed as a binary frame.
 * Thread-safe.
 */
public final class FrameCodec {
    private FrameCodec() {
    }

    /**
     * The frame of {@code message}; compressed when {@code compress} (the peer speaks protocol 2 or later) and long
     * enough to gain from it.
     */
    public static Frame encode(Message message, boolean compress) {
        String text = Wire.encode(message);
        return compress && text.length() >= FrameCompression.MIN_BYTES ? Frame.binary(FrameCompression.deflate(text))
                : Frame.text(text);
    }

    /** True when a peer of {@code protocol} reads compressed frames. */
    public static boolean compresses(int protocol) {
        return protocol >= 2;
    }

    /**
     * The message in {@code frame}.
     *
     * @throws ProtocolException {@link ErrorCode#BAD_MESSAGE} for a malformed or unknown message or bad DEFLATE
     *                           data, {@link ErrorCode#TOO_LARGE} for one past {@link Wire#MAX_FRAME_BYTES}
     */
    public static Message decode(Frame frame) throws ProtocolException {
        return frame.isBinary() ? decodeBinary(frame.binary()) : decodeText(frame.text());
    }

    public static Message decodeText(String text) throws ProtocolException {
        return Wire.decode(text);
    }

    public static Message decodeBinary(byte[] frame) throws ProtocolException {
        return Wire.decode(FrameCompression.inflate(frame));
    }
}
