package dev.ferry.benchmarks;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Chunking one small file, with and without the size hint that sizes the read buffer to the file. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SmallFileBenchmark {
    @Param({"20000", "60000"})
    public int size;

    @Param({"true", "false"})
    public boolean hinted;

    private final FastCdc cdc = new FastCdc(ChunkerParams.DEFAULT);
    private byte[] data;

    @Setup
    public void setUp() {
        data = new byte[size];
        new SplittableRandom(1).nextBytes(data);
    }

    @Benchmark
    public long splitOneFile() throws IOException {
        long[] total = {0};
        cdc.split(new ByteArrayInputStream(data), hinted ? size : -1, (chunk, buf, off) -> total[0] += chunk.length());
        return total[0];
    }
}
