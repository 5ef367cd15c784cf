package dev.ferry.chunker;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** FastCDC (2020) normalized chunking, level 2, with a fixed SplitMix64 gear table; see docs/CHUNKING.md. */
public final class FastCdc implements Chunker {

    /**
     * Seed of the gear table: the ASCII bytes of "FERRYCDC". The table is part of {@link ChunkerParams#FASTCDC_V1};
     * changing the seed or the generator changes every cut point and therefore needs a new algorithm name.
     */
    static final long GEAR_SEED = 0x4645525259434443L;

    /** Read-ahead beyond one maximum chunk, so the tail is compacted (copied) rarely relative to the bytes consumed. */
    private static final int READ_AHEAD = 1024 * 1024;

    private static final long[] GEAR = gearTable(GEAR_SEED);

    private final ChunkerParams params;
    private final int minSize;
    private final int avgSize;
    private final int maxSize;
    /** Stricter mask (avg bits + 2) used before the normal size: makes small chunks rarer. */
    private final long maskS;
    /** Looser mask (avg bits - 2) used after the normal size: makes large chunks rarer. */
    private final long maskL;

    public FastCdc(ChunkerParams params) {
        Objects.requireNonNull(params, "params");
        if (!ChunkerParams.FASTCDC_V1.equals(params.algorithm())) {
            throw new IllegalArgumentException("unsupported chunker algorithm '" + params.algorithm()
                    + "', this build only cuts with " + ChunkerParams.FASTCDC_V1);
        }
        this.params = params;
        this.minSize = params.minSize();
        this.avgSize = params.avgSize();
        this.maxSize = params.maxSize();
        int bits = Integer.numberOfTrailingZeros(avgSize);
        this.maskS = highBits(bits + 2);
        this.maskL = highBits(bits - 2);
    }

    /** The default parameters (16 / 64 / 256 KiB). */
    public FastCdc() {
        this(ChunkerParams.DEFAULT);
    }

    @Override
    public ChunkerParams params() {
        return params;
    }

    /**
     * The hot kernel: length of the chunk that starts at {@code off}, given {@code len} readable bytes. Callers must
     * offer at least {@code maxSize} bytes unless the stream ends sooner; the result is then in [1, len] (0 if len is
     * 0) and the cut point depends only on the bytes, never on how they were read.
     */
    public int cut(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        int n = Math.min(len, maxSize);
        if (n <= minSize) {
            return n;
        }
        // Cut-point skipping: no chunk may be shorter than minSize, so its bytes are not even hashed.
        int i = off + minSize;
        int normalEnd = off + Math.min(avgSize, n);
        int end = off + n;
        long[] gear = GEAR;
        long mask = maskS;
        long h = 0;
        // h + h == h << 1; the add form measured ~10% faster under C2 on the dev machine.
        for (; i < normalEnd; i++) {
            h = h + h + gear[buf[i] & 0xff];
            if ((h & mask) == 0) {
                return i + 1 - off;
            }
        }
        mask = maskL;
        for (; i < end; i++) {
            h = h + h + gear[buf[i] & 0xff];
            if ((h & mask) == 0) {
                return i + 1 - off;
            }
        }
        return n;
    }

    @Override
    public void split(InputStream in, ChunkSink sink) throws IOException {
        split(in, -1, sink);
    }

    /** The hint only sizes the buffer: a longer stream still chunks identically. */
    @Override
    public void split(InputStream in, long sizeHint, ChunkSink sink) throws IOException {
        int capacity = maxSize + Math.max(maxSize, READ_AHEAD);
        // One spare byte lets a file of exactly sizeHint bytes reach EOF without the buffer looking full.
        byte[] buf = sizeHint < 0 || sizeHint >= capacity ? takeLargeBuffer(capacity) : new byte[(int) Math.max(1024, sizeHint + 1)];
        byte[] used = split(in, buf, capacity, sink);
        if (used.length == capacity) {
            LARGE_BUFFER.set(new SoftReference<>(used));
        }
    }

    /** Chunks {@code in} through {@code buf} (grown to {@code capacity} when too small); returns the buffer used. */
    private byte[] split(InputStream in, byte[] buf, int capacity, ChunkSink sink) throws IOException {
        MessageDigest md = ChunkHash.newDigest();
        int start = 0;
        int end = 0;
        long offset = 0;
        boolean eof = false;
        while (true) {
            if (!eof && end - start < maxSize) {
                // Keep the unconsumed tail at the front, then fill the rest: cut() must see maxSize bytes (or EOF)
                // whatever the stream's read sizes, or the cut points would depend on them.
                int live = end - start;
                System.arraycopy(buf, start, buf, 0, live);
                start = 0;
                end = live;
                while (true) {
                    if (end == buf.length) {
                        if (end >= maxSize) {
                            break;
                        }
                        buf = Arrays.copyOf(buf, capacity); // the size hint was too small (the file grew)
                    }
                    int r = in.read(buf, end, buf.length - end);
                    if (r < 0) {
                        eof = true;
                        break;
                    }
                    end += r;
                }
            }
            int avail = end - start;
            if (avail == 0) {
                return buf;
            }
            int n = cut(buf, start, avail);
            md.update(buf, start, n);
            sink.accept(new Chunk(offset, n, ChunkHash.finish(md)), buf, start);
            start += n;
            offset += n;
        }
    }

    /**
     * The buffer of a large file, kept for the thread's next large file: a new 1.25 MiB array per file made the
     * watcher's collector copy or mark hundreds of MiB of them in an initial sync. Its contents never matter (it is
     * filled before it is read); it is taken out while in use, so a sink that splits another stream gets its own;
     * the collector may drop it.
     */
    private static final ThreadLocal<SoftReference<byte[]>> LARGE_BUFFER = new ThreadLocal<>();

    private static byte[] takeLargeBuffer(int capacity) {
        SoftReference<byte[]> ref = LARGE_BUFFER.get();
        byte[] buf = ref == null ? null : ref.get();
        LARGE_BUFFER.remove();
        return buf != null && buf.length == capacity ? buf : new byte[capacity];
    }

    /** Streams a file through {@link #split(InputStream, long, ChunkSink)}. */
    public void split(Path file, ChunkSink sink) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            split(in, Files.size(file), sink);
        }
    }

    /** All chunks of {@code in}, read to its end. */
    public List<Chunk> chunks(InputStream in) throws IOException {
        List<Chunk> out = new ArrayList<>();
        split(in, (chunk, buf, off) -> out.add(chunk));
        return out;
    }

    /** All chunks of a file, streamed through one bounded buffer. */
    public List<Chunk> chunks(Path file) throws IOException {
        List<Chunk> out = new ArrayList<>();
        split(file, (chunk, buf, off) -> out.add(chunk));
        return out;
    }

    /** A copy of the gear table (for tests and documentation; the algorithm name pins its contents). */
    static long[] gear() {
        return GEAR.clone();
    }

    /**
     * High-bit masks: bit k of the gear hash depends only on the last k+1 bytes, so testing the top bits makes each
     * decision depend on a full 64-byte window (the paper's spread masks span bits 16-49 to the same end).
     */
    private static long highBits(int count) {
        return -1L << (64 - count);
    }

    private static long[] gearTable(long seed) {
        long[] table = new long[256];
        long state = seed;
        for (int i = 0; i < table.length; i++) {
            // SplitMix64 (Steele, Lea, Flood 2014): fixed constants, so the table is identical on every JVM.
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
