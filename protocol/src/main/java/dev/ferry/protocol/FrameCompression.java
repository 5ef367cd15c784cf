package dev.ferry.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Protocol 2 sends a frame of {@link #MIN_BYTES} or more as a binary WebSocket frame holding the raw DEFLATE
 * (RFC 1951, {@code java.util.zip}) of its JSON text: paths, field names and hex digests shrink several times, so
 * the metadata of many small files costs a fraction of their bytes. Each frame is compressed on its own.
 * Thread-safe.
 */
public final class FrameCompression {
    /** Frames shorter than this (hello, ack, check) go as text: compressing them saves nothing. */
    public static final int MIN_BYTES = 512;

    private FrameCompression() {
    }

    public static byte[] deflate(String text) {
        byte[] raw = text.getBytes(StandardCharsets.UTF_8);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(raw);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, raw.length / 4));
            byte[] buf = new byte[Math.min(64 * 1024, Math.max(1024, raw.length))];
            while (!deflater.finished()) {
                int n = deflater.deflate(buf);
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    /**
     * The JSON text of a compressed frame.
     *
     * @throws ProtocolException {@code too-large} when it inflates past {@link Wire#MAX_FRAME_BYTES},
     *                           {@code bad-message} when it is not valid DEFLATE data
     */
    public static String inflate(byte[] frame) throws ProtocolException {
        Inflater inflater = new Inflater(true);
        try {
            // "nowrap" inflaters may need one byte past the data to see its end (Inflater javadoc).
            inflater.setInput(java.util.Arrays.copyOf(frame, frame.length + 1));
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(Wire.MAX_FRAME_BYTES, frame.length * 4 + 64));
            byte[] buf = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(buf);
                if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new ProtocolException(ErrorCode.BAD_MESSAGE, "compressed frame is truncated");
                }
                if (out.size() + n > Wire.MAX_FRAME_BYTES) {
                    throw new ProtocolException(ErrorCode.TOO_LARGE, "compressed frame inflates past " + Wire.MAX_FRAME_BYTES + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toString(StandardCharsets.UTF_8);
        } catch (DataFormatException e) {
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "compressed frame is not DEFLATE data: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }
}
