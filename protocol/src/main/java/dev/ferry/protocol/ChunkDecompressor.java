package dev.ferry.protocol;

import io.airlift.compress.zstd.ZstdDecompressor;

/**
 * Turns a coded record's bytes back into the chunk, never writing past the raw length the record declares: a
 * frame that would inflate further, ends early or is not zstd is refused with {@code bad-compression}, so a
 * "bomb" costs at most the declared length (itself at most the largest chunk). Thread-safe.
 */
public final class ChunkDecompressor {
    /** Bytes a caller keeps free after the raw length in its output buffer, and after the frame in its input. */
    public static final int SLACK = 64;

    private final ZstdDecompressor zstd = new ZstdDecompressor();

    /**
     * Decodes {@code in[0, wireLength)} into {@code out[0, rawLength)}.
     *
     * @throws ProtocolException {@code bad-compression} unless it decodes to exactly {@code rawLength} bytes
     */
    public void decode(ChunkCodec codec, byte[] in, int wireLength, byte[] out, int rawLength) throws ProtocolException {
        if (out.length < rawLength + SLACK || in.length < wireLength + SLACK) {
            throw new IllegalArgumentException("buffers need " + SLACK + " bytes of slack");
        }
        if (codec == ChunkCodec.NONE) {
            if (wireLength != rawLength) {
                throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "a raw record's two lengths differ: "
                        + wireLength + " and " + rawLength);
            }
            System.arraycopy(in, 0, out, 0, rawLength);
            return;
        }
        int n;
        try {
            n = zstd.decompress(in, 0, wireLength, out, 0, rawLength);
        } catch (RuntimeException e) {
            // MalformedInputException, and whatever else a hostile frame provokes in the decoder.
            throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "not a zstd frame of at most " + rawLength + " bytes: "
                    + e.getMessage());
        }
        if (n != rawLength) {
            throw new ProtocolException(ErrorCode.BAD_COMPRESSION, "the zstd frame holds " + n + " bytes, the record says "
                    + rawLength);
        }
    }
}
