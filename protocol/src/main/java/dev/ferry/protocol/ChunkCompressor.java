package dev.ferry.protocol;

import io.airlift.compress.zstd.ZstdCompressor;

/**
 * Decides, chunk by chunk, whether compressing pays, and compresses with zstd when it does. The decision costs
 * almost nothing on incompressible data (media, archives, encrypted files): a byte histogram of a 4 KiB sample
 * spread over the chunk; when its entropy is near 8 bits a byte, the chunk goes raw without being compressed. A
 * chunk that passes is compressed whole and kept only when that saves at least a sixteenth of it.
 * One per thread: it keeps its buffers.
 */
public final class ChunkCompressor {
    /** Shorter chunks go raw: the few bytes saved do not pay for the work. */
    public static final int MIN_LENGTH = 256;
    /** The sample: this many stripes of {@link #STRIPE} bytes, evenly spread over the chunk. */
    static final int STRIPES = 8;
    static final int STRIPE = 512;
    /**
     * Bits per byte of the sample above which the chunk is taken for incompressible. A 4 KiB sample of random
     * bytes measures about 7.95; text about 4.5 to 5.5; x86 code about 6; base64 exactly 6.
     */
    static final double MAX_ENTROPY = 7.5;

    private static final double[] N_LOG2_N = new double[STRIPES * STRIPE + 1];

    static {
        for (int n = 1; n < N_LOG2_N.length; n++) {
            N_LOG2_N[n] = n * (Math.log(n) / Math.log(2));
        }
    }

    private final ZstdCompressor zstd = new ZstdCompressor();
    private final int[] histogram = new int[256];
    private byte[] packed = new byte[0];
    private long attempts;

    /** Room a caller needs after its output offset: the zstd bound of {@code length} raw bytes. */
    public int maxCompressedLength(int length) {
        return zstd.maxCompressedLength(length);
    }

    /**
     * Compresses {@code buf[off, off+len)} in place when it pays: the zstd frame replaces the raw bytes from
     * {@code off} on.
     *
     * @return the frame's length ({@link ChunkCodec#ZSTD}), or -1 when the chunk stays raw ({@link ChunkCodec#NONE})
     */
    public int compressInPlace(byte[] buf, int off, int len) {
        if (!worthTrying(buf, off, len)) {
            return -1;
        }
        attempts++;
        int room = zstd.maxCompressedLength(len);
        if (packed.length < room) {
            packed = new byte[room];
        }
        int n = zstd.compress(buf, off, len, packed, 0, room);
        if (!pays(len, n)) {
            return -1;
        }
        System.arraycopy(packed, 0, buf, off, n);
        return n;
    }

    /** Whether a frame of {@code packed} bytes is worth sending instead of {@code raw} bytes. */
    static boolean pays(int raw, int packed) {
        return packed <= raw - raw / 16;
    }

    /** Chunks that passed the cheap test and went through zstd. */
    long attempts() {
        return attempts;
    }

    /** The cheap test: long enough, and a sample whose bytes are not near-uniformly spread. */
    boolean worthTrying(byte[] buf, int off, int len) {
        return len >= MIN_LENGTH && sampleEntropy(buf, off, len) <= MAX_ENTROPY;
    }

    /** Order-0 entropy, in bits per byte, of {@link #STRIPES} stripes spread over the range (all of it when short). */
    double sampleEntropy(byte[] buf, int off, int len) {
        int[] h = histogram;
        java.util.Arrays.fill(h, 0);
        int total;
        if (len <= STRIPES * STRIPE) {
            for (int i = off, end = off + len; i < end; i++) {
                h[buf[i] & 0xff]++;
            }
            total = len;
        } else {
            long gap = (len - STRIPE) / (STRIPES - 1);
            for (int s = 0; s < STRIPES; s++) {
                int from = off + (int) (s * gap);
                for (int i = from, end = from + STRIPE; i < end; i++) {
                    h[buf[i] & 0xff]++;
                }
            }
            total = STRIPES * STRIPE;
        }
        double sum = 0;
        for (int c : h) {
            sum += N_LOG2_N[c];
        }
        return (N_LOG2_N[total] - sum) / total;
    }
}
