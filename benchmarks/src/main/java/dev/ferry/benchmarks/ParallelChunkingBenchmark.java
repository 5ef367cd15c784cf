package dev.ferry.benchmarks;

import dev.ferry.chunker.FastCdc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The watcher's hashing pool (one thread per core, each chunking and hashing its own file): {@code split()} on
 * every core at once, each thread with its own buffer. JMH sums the threads' ops/s, so bytes/s = ops/s × size is
 * the machine's total; divide by the cores for the per-core figure.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(Threads.MAX)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@State(Scope.Thread)
public class ParallelChunkingBenchmark {
    @Param({"67108864"})
    public int size;

    private byte[] data;
    private FastCdc cdc;

    @Setup
    public void setup() {
        data = new byte[size];
        new SplittableRandom(42 + Thread.currentThread().getId()).nextBytes(data);
        cdc = new FastCdc();
    }

    /** Copy + cut + SHA-256 of a whole buffer per operation, on every core at once. */
    @Benchmark
    public long fastCdcWithSha256AllCores() throws IOException {
        long[] chunks = {0};
        cdc.split(new ByteArrayInputStream(data), (chunk, buf, off) -> chunks[0]++);
        return chunks[0];
    }
}
