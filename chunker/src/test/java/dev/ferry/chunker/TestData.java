package dev.ferry.chunker;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Deterministic test inputs and a stream that returns awkward read sizes. */
final class TestData {
    private TestData() {
    }

    /**
     * {@code size} pseudo-random bytes: successive {@code new SplittableRandom(seed).nextLong()} values written
     * little-endian. Built from nextLong (SplitMix64) rather than nextBytes, whose byte layout is an implementation
     * detail; FastCdcGoldenTest also pins the digest of the golden input.
     */
    static byte[] random(long seed, int size) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] out = new byte[size];
        for (int i = 0; i < size; i += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8 && i + k < size; k++) {
                out[i + k] = (byte) (v >>> (8 * k));
            }
        }
        return out;
    }

    static List<Chunk> split(Chunker chunker, InputStream in) throws IOException {
        List<Chunk> out = new ArrayList<>();
        chunker.split(in, (chunk, buf, off) -> out.add(chunk));
        return out;
    }

    static List<Chunk> split(Chunker chunker, byte[] data) throws IOException {
        return split(chunker, new ByteArrayInputStream(data));
    }

    /** Returns between 1 and {@code maxRead} bytes per read, like a socket or pipe would. */
    static InputStream choppy(byte[] data, int maxRead, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (pos >= data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, data.length - pos), 1 + rnd.nextInt(maxRead));
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }
}
