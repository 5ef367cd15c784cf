package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.SplittableRandom;

/**
 * The generated trees and changes. All content comes from seeded SplittableRandom streams (incompressible, and the
 * same for Ferry and rsync and from one run to the next); one file in 16 is made executable so modes matter.
 */
final class Workload {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long GIB = 1024 * MIB;

    /** The sizes of every case; {@link #FULL} is the issue's, {@link #QUICK} a 1/16 version to try the harness. */
    record Sizes(int largeFiles, long largeFileBytes, int smallFanout, int smallPerDir, long smallFileBytes,
                 long bigFileBytes, long overwriteBytes, long insertAt, long insertBytes, int folderFiles,
                 long folderFileBytes, long newFileBytes, long sharedBytes, long latencyFileBytes) {
        int smallFiles() {
            return smallFanout * smallFanout * smallFanout * smallPerDir;
        }

        long largeTotal() {
            return largeFiles * largeFileBytes;
        }
    }

    static final Sizes FULL = new Sizes(256, 4 * MIB, 10, 20, 4 * KIB, GIB, MIB, 100 * MIB, 10 * KIB, 1000,
            64 * KIB, 64 * MIB, 48 * MIB, KIB);
    static final Sizes QUICK = new Sizes(256, 256 * KIB, 10, 2, 4 * KIB, 64 * MIB, MIB, 16 * MIB, 10 * KIB, 100,
            64 * KIB, 16 * MIB, 12 * MIB, KIB);

    private Workload() {
    }

    static long seedFor(long seed, String what, long index) {
        long h = seed ^ 0x9E3779B97F4A7C15L * (index + 1);
        for (int i = 0; i < what.length(); i++) {
            h = (h ^ what.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }

    /** Writes {@code size} seeded random bytes to {@code file} (parents created), without fsync. */
    static void writeRandom(Path file, long seed, long size) {
        try {
            Files.createDirectories(file.getParent());
            SplittableRandom r = new SplittableRandom(seed);
            byte[] buf = new byte[(int) Math.min(MIB, Math.max(size, 1))];
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long done = 0; done < size; ) {
                    int n = (int) Math.min(buf.length, size - done);
                    r.nextBytes(buf);
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) {
                        ch.write(bb);
                    }
                    done += n;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    static void executableEvery16th(Path file, long index) {
        if (index % 16 == 5) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Case 1: {@code largeFiles} files of {@code largeFileBytes} in one folder. */
    static void largeTree(Path dir, long seed, Sizes s) {
        for (int i = 0; i < s.largeFiles(); i++) {
            Path f = dir.resolve(String.format("file-%03d.bin", i));
            writeRandom(f, seedFor(seed, "large", i), s.largeFileBytes());
            executableEvery16th(f, i);
        }
    }

    /** Case 2: three levels of {@code smallFanout} folders, {@code smallPerDir} small files in each leaf. */
    static void smallTree(Path dir, long seed, Sizes s) {
        int n = 0;
        for (int a = 0; a < s.smallFanout(); a++) {
            for (int b = 0; b < s.smallFanout(); b++) {
                for (int c = 0; c < s.smallFanout(); c++) {
                    Path leaf = dir.resolve("d" + a).resolve("d" + b).resolve("d" + c);
                    for (int i = 0; i < s.smallPerDir(); i++, n++) {
                        Path f = leaf.resolve(String.format("f%03d.dat", i));
                        writeRandom(f, seedFor(seed, "small", n), s.smallFileBytes());
                        executableEvery16th(f, n);
                    }
                }
            }
        }
    }

    /** Cases 3-9 start from: one big file, a folder of {@code folderFiles} files, an empty archive/ and lat/. */
    static void continuousTree(Path dir, long seed, Sizes s) {
        writeRandom(dir.resolve("big.bin"), seedFor(seed, "big", 0), s.bigFileBytes());
        for (int i = 0; i < s.folderFiles(); i++) {
            Path f = dir.resolve("folder").resolve(String.format("part-%04d.bin", i));
            writeRandom(f, seedFor(seed, "folder", i), s.folderFileBytes());
            executableEvery16th(f, i);
        }
        try {
            Files.createDirectories(dir.resolve("archive"));
            Files.createDirectories(dir.resolve("lat"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The scale run: {@code files} files of {@code bytes} each, 100 per folder, in three levels. */
    static void scaleTree(Path dir, long seed, int files, long bytes) {
        for (int i = 0; i < files; i++) {
            Path f = dir.resolve("a" + (i / 100_000)).resolve("b" + (i / 1000 % 100))
                    .resolve(String.format("c%02d", i / 100 % 10)).resolve("f" + (i % 100) + ".txt");
            writeRandom(f, seedFor(seed, "scale", i), bytes);
        }
    }

    /** Overwrites {@code length} bytes at {@code offset} in place with seeded random bytes. */
    static void overwrite(Path file, long offset, long length, long seed) {
        byte[] b = new byte[(int) length];
        new SplittableRandom(seed).nextBytes(b);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            long pos = offset;
            while (bb.hasRemaining()) {
                pos += ch.write(bb, pos);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code out} as: the first {@code prefix} bytes of {@code from}, then {@code insert} random bytes, then
     * the rest of {@code from} from {@code resumeAt} (use resumeAt = size to stop), and fsyncs it.
     */
    static void splice(Path from, long prefix, long insert, long seed, long resumeAt, Path out) {
        try {
            Files.createDirectories(out.getParent());
            try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
                 FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         StandardOpenOption.TRUNCATE_EXISTING)) {
                copy(in, 0, prefix, ch);
                byte[] b = new byte[(int) insert];
                new SplittableRandom(seed).nextBytes(b);
                ByteBuffer bb = ByteBuffer.wrap(b);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                copy(in, resumeAt, in.size() - resumeAt, ch);
                ch.force(true);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(FileChannel in, long from, long length, FileChannel out) throws IOException {
        long done = 0;
        while (done < length) {
            long n = in.transferTo(from + done, length - done, out);
            if (n <= 0) {
                throw new IOException("short copy");
            }
            done += n;
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("warning: could not delete " + root + ": " + e.getMessage());
        }
    }
}
