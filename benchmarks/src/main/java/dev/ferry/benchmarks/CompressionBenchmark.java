package dev.ferry.benchmarks;

import dev.ferry.protocol.ChunkCompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;

/**
 * The per-chunk compression kernel, one 64 KiB chunk per operation (bytes/s = ops/s x 65536), cycling over the
 * chunks of a corpus ({@link CompressionCorpus}): {@code text} (JDK sources), {@code docs} (/usr/share/doc as it
 * lies, half of it .gz) and {@code random}. {@code ferryDecideAndCompress} is what the watcher runs per chunk (the
 * sample test, then zstd when it passes); the others compress every chunk with one codec, for comparison;
 * {@code copyOnly} is the chunk copy every variant starts with.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class CompressionBenchmark {
    @Param({"text", "docs", "random"})
    public String corpus;

    private byte[][] chunks;
    private int next;
    private final byte[] work = new byte[CompressionCorpus.CHUNK];
    private final byte[] out = new byte[2 * CompressionCorpus.CHUNK + 1024];
    private final ChunkCompressor ferry = new ChunkCompressor();
    private final ZstdCompressor zstd = new ZstdCompressor();
    private final ZstdDecompressor unzstd = new ZstdDecompressor();
    private final Lz4Compressor lz4 = new Lz4Compressor();
    private final Deflater deflate1 = new Deflater(1, true);
    private final Deflater deflate6 = new Deflater(6, true);
    private byte[][] frames;
    private int[] frameLengths;

    @Setup
    public void setUp() throws IOException {
        chunks = CompressionCorpus.chunks(corpus, 16 << 20);
        frames = new byte[chunks.length][];
        frameLengths = new int[chunks.length];
        for (int i = 0; i < chunks.length; i++) {
            frames[i] = new byte[zstd.maxCompressedLength(chunks[i].length)];
            frameLengths[i] = zstd.compress(chunks[i], 0, chunks[i].length, frames[i], 0, frames[i].length);
        }
    }

    private byte[] nextChunk() {
        byte[] c = chunks[next];
        next = next + 1 == chunks.length ? 0 : next + 1;
        System.arraycopy(c, 0, work, 0, c.length);
        return work;
    }

    @Benchmark
    public int copyOnly() {
        return nextChunk()[0];
    }

    @Benchmark
    public int ferryDecideAndCompress() {
        return ferry.compressInPlace(nextChunk(), 0, CompressionCorpus.CHUNK);
    }

    @Benchmark
    public int zstdAlways() {
        return zstd.compress(nextChunk(), 0, CompressionCorpus.CHUNK, out, 0, out.length);
    }

    @Benchmark
    public int lz4Always() {
        return lz4.compress(nextChunk(), 0, CompressionCorpus.CHUNK, out, 0, out.length);
    }

    @Benchmark
    public int deflate1Always() {
        return deflate(deflate1);
    }

    @Benchmark
    public int deflate6Always() {
        return deflate(deflate6);
    }

    /** The store's side: decoding one zstd frame of a chunk. */
    @Benchmark
    public int zstdDecompress() {
        int i = next;
        next = next + 1 == chunks.length ? 0 : next + 1;
        return unzstd.decompress(frames[i], 0, frameLengths[i], work, 0, work.length);
    }

    private int deflate(Deflater d) {
        d.reset();
        d.setInput(nextChunk(), 0, CompressionCorpus.CHUNK);
        d.finish();
        int n = 0;
        while (!d.finished()) {
            n += d.deflate(out, n, out.length - n);
        }
        return n;
    }
}
