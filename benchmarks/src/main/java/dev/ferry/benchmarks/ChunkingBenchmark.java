package dev.ferry.benchmarks;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.FastCdc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** Single-thread throughput of the chunking hot path; one operation is one pass over the whole buffer. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Benchmark)
public class ChunkingBenchmark {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int SHA_BLOCK = 64 * 1024;

    /** 64 MiB (well beyond cache: the realistic case) and 8 MiB (closer to cache-resident). */
    @Param({"67108864", "8388608"})
    public int size;

    private byte[] data;
    private FastCdc cdc;
    private MessageDigest sha;
    private final byte[] digest = new byte[32];

    /**
     * Adds a secondary result ":bytes" that JMH prints in "ops/s" but that counts bytes, so that row is bytes per
     * second on one core with no arithmetic (KernelReport prints GB/s and the targets).
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup
    public void setup() {
        data = new byte[size];
        new SplittableRandom(42).nextBytes(data);
        cdc = new FastCdc();
        sha = ChunkHash.newDigest();
    }

    /** Ceiling: reading every byte as little-endian longs and summing them. */
    @Benchmark
    public long memoryScan(Bytes bytes) {
        byte[] buf = data;
        long sum = 0;
        for (int i = 0; i + 8 <= buf.length; i += 8) {
            sum += (long) LONGS.get(buf, i);
        }
        bytes.bytes += size;
        return sum;
    }

    /** The gear-hash cut kernel alone, chunking the whole buffer. */
    @Benchmark
    public int fastCdcCut(Bytes bytes) {
        byte[] buf = data;
        FastCdc c = cdc;
        int chunks = 0;
        for (int pos = 0; pos < buf.length; chunks++) {
            pos += c.cut(buf, pos, buf.length - pos);
        }
        bytes.bytes += size;
        return chunks;
    }

    /** SHA-256 of the whole buffer in 64 KiB updates (the JDK intrinsic). */
    @Benchmark
    public byte[] sha256(Bytes bytes) {
        MessageDigest md = sha;
        byte[] buf = data;
        for (int off = 0; off < buf.length; off += SHA_BLOCK) {
            md.update(buf, off, Math.min(SHA_BLOCK, buf.length - off));
        }
        bytes.bytes += size;
        return md.digest();
    }

    /** Cut and SHA-256 of every chunk straight from the buffer: the two kernels in series, no stream copy. */
    @Benchmark
    public int fastCdcCutThenSha256InPlace(Bytes bytes) throws DigestException {
        byte[] buf = data;
        FastCdc c = cdc;
        MessageDigest md = sha;
        byte[] out = digest;
        int chunks = 0;
        for (int pos = 0; pos < buf.length; chunks++) {
            int n = c.cut(buf, pos, buf.length - pos);
            md.update(buf, pos, n);
            md.digest(out, 0, out.length);
            pos += n;
        }
        bytes.bytes += size;
        return chunks + out[0];
    }

    /** What a watcher pays per file: stream copy, cut, and SHA-256 of every chunk, with a no-op sink. */
    @Benchmark
    public long fastCdcWithSha256(Bytes bytes) throws IOException {
        long[] chunks = {0};
        cdc.split(new ByteArrayInputStream(data), (chunk, buf, off) -> chunks[0]++);
        bytes.bytes += size;
        return chunks[0];
    }
}
