package dev.ferry.benchmarks;

import dev.ferry.protocol.ChunkCompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.zstd.ZstdCompressor;

import java.io.IOException;
import java.util.zip.Deflater;

/**
 * Ratios of the per-chunk codecs over each corpus of {@link CompressionCorpus} (64 MiB each, 64 KiB chunks): wire
 * bytes / raw bytes, and for Ferry's decision the share of chunks it sends compressed; then each codec's speed in
 * MB (10^6 bytes) of raw chunk per second of this thread's CPU time (ThreadMXBean), which a busy shared machine
 * disturbs far less than wall time ({@link CompressionBenchmark} gives JMH's wall-time figures).
 * Run: {@code java -cp benchmarks/target/benchmarks.jar dev.ferry.benchmarks.CompressionReport}
 */
public final class CompressionReport {
    private CompressionReport() {
    }

    public static void main(String[] args) throws IOException {
        int bytes = args.length > 0 ? Integer.parseInt(args[0]) : 64 << 20;
        System.out.println("| corpus | chunks | ferry (wire/raw) | chunks compressed | zstd always | lz4 always | deflate-1 | deflate-6 |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String corpus : new String[] {"text", "docs", "random"}) {
            byte[][] chunks = CompressionCorpus.chunks(corpus, bytes);
            ChunkCompressor ferry = new ChunkCompressor();
            ZstdCompressor zstd = new ZstdCompressor();
            Lz4Compressor lz4 = new Lz4Compressor();
            byte[] out = new byte[2 * CompressionCorpus.CHUNK + 1024];
            long raw = 0;
            long ferryWire = 0;
            long packed = 0;
            long zstdWire = 0;
            long lz4Wire = 0;
            long d1 = 0;
            long d6 = 0;
            for (byte[] c : chunks) {
                raw += c.length;
                byte[] work = c.clone();
                int n = ferry.compressInPlace(work, 0, c.length);
                ferryWire += n < 0 ? c.length : n;
                packed += n < 0 ? 0 : 1;
                zstdWire += zstd.compress(c, 0, c.length, out, 0, out.length);
                lz4Wire += lz4.compress(c, 0, c.length, out, 0, out.length);
                d1 += deflate(c, 1, out);
                d6 += deflate(c, 6, out);
            }
            System.out.printf("| %s | %d | %.3f | %d (%.0f%%) | %.3f | %.3f | %.3f | %.3f |%n", corpus, chunks.length,
                    (double) ferryWire / raw, packed, 100.0 * packed / chunks.length, (double) zstdWire / raw,
                    (double) lz4Wire / raw, (double) d1 / raw, (double) d6 / raw);
        }
        System.out.println();
        System.out.println("| corpus | ferry decide+compress | zstd always | lz4 always | deflate-1 | deflate-6 | zstd decode |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (String corpus : new String[] {"text", "docs", "random"}) {
            byte[][] chunks = CompressionCorpus.chunks(corpus, Math.min(bytes, 16 << 20));
            ChunkCompressor ferry = new ChunkCompressor();
            ZstdCompressor zstd = new ZstdCompressor();
            Lz4Compressor lz4 = new Lz4Compressor();
            io.airlift.compress.zstd.ZstdDecompressor unzstd = new io.airlift.compress.zstd.ZstdDecompressor();
            byte[] out = new byte[2 * CompressionCorpus.CHUNK + 1024];
            byte[] work = new byte[CompressionCorpus.CHUNK];
            byte[][] frames = new byte[chunks.length][];
            for (int i = 0; i < chunks.length; i++) {
                int n = zstd.compress(chunks[i], 0, chunks[i].length, out, 0, out.length);
                frames[i] = java.util.Arrays.copyOf(out, n);
            }
            java.util.List<java.util.function.IntUnaryOperator> kernels = java.util.List.of(
                    i -> {
                        System.arraycopy(chunks[i], 0, work, 0, work.length);
                        return ferry.compressInPlace(work, 0, work.length);
                    },
                    i -> zstd.compress(chunks[i], 0, chunks[i].length, out, 0, out.length),
                    i -> lz4.compress(chunks[i], 0, chunks[i].length, out, 0, out.length),
                    i -> deflate(chunks[i], 1, out),
                    i -> deflate(chunks[i], 6, out),
                    i -> unzstd.decompress(frames[i], 0, frames[i].length, work, 0, work.length));
            StringBuilder row = new StringBuilder("| " + corpus + " |");
            for (java.util.function.IntUnaryOperator k : kernels) {
                row.append(String.format(" %.0f |", mbPerCpuSecond(k, chunks.length)));
            }
            System.out.println(row);
        }
    }

    private static long sink;

    /** Raw MB per second of thread CPU time: two warm-up passes over the chunks, then three measured ones. */
    private static double mbPerCpuSecond(java.util.function.IntUnaryOperator kernel, int chunks) {
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int pass = 0; pass < 2; pass++) {
            for (int i = 0; i < chunks; i++) {
                sink += kernel.applyAsInt(i);
            }
        }
        long start = cpu.getCurrentThreadCpuTime();
        for (int pass = 0; pass < 3; pass++) {
            for (int i = 0; i < chunks; i++) {
                sink += kernel.applyAsInt(i);
            }
        }
        long ns = cpu.getCurrentThreadCpuTime() - start;
        return 3.0 * chunks * CompressionCorpus.CHUNK / (ns / 1e9) / 1e6;
    }

    private static int deflate(byte[] c, int level, byte[] out) {
        Deflater d = new Deflater(level, true);
        try {
            d.setInput(c);
            d.finish();
            int n = 0;
            while (!d.finished()) {
                n += d.deflate(out, n, out.length - n);
            }
            return n;
        } finally {
            d.end();
        }
    }
}
