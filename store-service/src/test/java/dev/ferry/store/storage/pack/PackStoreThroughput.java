package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.storage.pack.PackStore.Location;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Random;

/**
 * A plain timed loop (not a test): append and read throughput of {@link LocalPackStore} against one file per chunk
 * as the first layout's {@code ChunkStore} keeps them, on the same disk, single thread, hot page cache.
 *
 * <p>Run: {@code java -cp <store-service test classpath> dev.ferry.store.storage.pack.PackStoreThroughput [dir] [MiB]}
 * (see /work/notes/packs.md). Every row hashes each chunk once, as the store does (on the way in, and on every read).
 */
public final class PackStoreThroughput {
    private PackStoreThroughput() {
    }

    public static void main(String[] args) throws IOException {
        Path base = Path.of(args.length > 0 ? args[0] : System.getProperty("java.io.tmpdir"));
        long mib = args.length > 1 ? Long.parseLong(args[1]) : 128;
        int rounds = 3;
        System.out.println("| layout | record | op | MB/s (best of " + rounds + ") | records |");
        System.out.println("|---|---|---|---|---|");
        for (int size : new int[]{64 * 1024, 4 * 1024}) {
            long total = (size == 4096 ? mib / 4 : mib) * 1024 * 1024;
            int count = (int) (total / size);
            byte[][] data = new byte[count][];
            ChunkHash[] hashes = new ChunkHash[count];
            Random r = new Random(1);
            byte[] pool = new byte[size * 64];
            r.nextBytes(pool);
            for (int i = 0; i < count; i++) {
                data[i] = Arrays.copyOfRange(pool, (i % 63) * size, (i % 63) * size + size);
                data[i][0] ^= (byte) i;
                data[i][1] ^= (byte) (i >>> 8);
                data[i][2] ^= (byte) (i >>> 16);
                hashes[i] = ChunkHash.compute(data[i], 0, size);
            }
            double[] packAppend = new double[rounds];
            double[] packRead = new double[rounds];
            double[] fileAppend = new double[rounds];
            double[] fileRead = new double[rounds];
            for (int round = 0; round < rounds; round++) {
                Path dir = Files.createTempDirectory(base, "packbench");
                try {
                    Location[] locs = new Location[count];
                    byte[] buf = new byte[256 * 1024];
                    try (LocalPackStore packs = new LocalPackStore(dir.resolve("packs"))) {
                        long t0 = System.nanoTime();
                        for (int i = 0; i < count; i++) {
                            if (!ChunkHash.compute(data[i], 0, size).equals(hashes[i])) {
                                throw new IllegalStateException();
                            }
                            locs[i] = packs.append(hashes[i], data[i], 0, size);
                        }
                        packs.sync();
                        packAppend[round] = mbps(total, System.nanoTime() - t0);
                        t0 = System.nanoTime();
                        for (int i = 0; i < count; i++) {
                            int n = packs.read(locs[i], buf);
                            if (!ChunkHash.compute(buf, 0, n).equals(hashes[i])) {
                                throw new IllegalStateException("pack read " + i);
                            }
                        }
                        packRead[round] = mbps(total, System.nanoTime() - t0);
                    }
                    ChunkFiles files = new ChunkFiles(dir.resolve("chunks"), dir.resolve("tmp"));
                    long t0 = System.nanoTime();
                    for (int i = 0; i < count; i++) {
                        files.put(hashes[i], data[i], 0, size);
                    }
                    fileAppend[round] = mbps(total, System.nanoTime() - t0);
                    t0 = System.nanoTime();
                    for (int i = 0; i < count; i++) {
                        if (files.read(hashes[i], buf) != size) {
                            throw new IllegalStateException("file read " + i);
                        }
                    }
                    fileRead[round] = mbps(total, System.nanoTime() - t0);
                } finally {
                    dev.ferry.store.storage.StoreLayout.deleteTree(dir);
                }
            }
            String rec = size / 1024 + " KiB";
            row("packs (32 MiB, one sync at the end)", rec, "append", packAppend, count);
            row("packs", rec, "read", packRead, count);
            row("file per chunk (ChunkStore 1e4de5e)", rec, "put", fileAppend, count);
            row("file per chunk", rec, "read", fileRead, count);
        }
    }

    private static double mbps(long bytes, long nanos) {
        return bytes / 1e6 / (nanos / 1e9);
    }

    private static void row(String layout, String rec, String op, double[] mbps, int count) {
        double best = Arrays.stream(mbps).max().orElse(0);
        System.out.printf(Locale.ROOT, "| %s | %s | %s | %.0f | %d |%n", layout, rec, op, best, count);
    }

    /**
     * The first layout's ChunkStore.put and ChunkStore.read as of 1e4de5e (hash, temp file, rename into
     * {@code chunks/ab/<hash>}; open, read, hash), copied so this loop outlives that class's rewrite.
     */
    static final class ChunkFiles {
        private final Path chunks;
        private final Path tmp;

        ChunkFiles(Path chunks, Path tmp) throws IOException {
            this.chunks = chunks;
            this.tmp = tmp;
            Files.createDirectories(tmp);
            HexFormat hex = HexFormat.of();
            for (int i = 0; i < 256; i++) {
                Files.createDirectories(chunks.resolve(hex.toHexDigits((byte) i)));
            }
        }

        Path pathOf(ChunkHash h) {
            return chunks.resolve(h.hex().substring(0, 2)).resolve(h.hex());
        }

        void put(ChunkHash expected, byte[] buf, int off, int len) throws IOException {
            if (!ChunkHash.compute(buf, off, len).equals(expected)) {
                throw new IOException("hash mismatch");
            }
            Path target = pathOf(expected);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            Path t = Files.createTempFile(tmp, "chunk-", ".tmp");
            try {
                try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
                    ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                }
                Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(t);
            }
        }

        int read(ChunkHash hash, byte[] buf) throws IOException {
            int n;
            try (FileChannel ch = FileChannel.open(pathOf(hash), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) ch.size());
                while (bb.hasRemaining()) {
                    if (ch.read(bb) < 0) {
                        break;
                    }
                }
                n = bb.position();
            } catch (NoSuchFileException e) {
                return -1;
            }
            return ChunkHash.compute(buf, 0, n).equals(hash) ? n : -1;
        }
    }
}
