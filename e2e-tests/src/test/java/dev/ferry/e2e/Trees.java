package dev.ferry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/** Builds test trees and compares a mirror with its source the way a user would: every entry, byte and bit. */
final class Trees {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private Trees() {
    }

    /** One entry's observable state: type, permissions, mtime (ns), size, symlink target. */
    record Entry(String type, String perms, long mtimeNs, long size, String target) {
    }

    static Map<String, Entry> snapshot(Path root) {
        Map<String, Entry> out = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    if (!dir.equals(root)) {
                        String rel = root.relativize(dir).toString();
                        if (rel.equals(".ferry")) {
                            return FileVisitResult.SKIP_SUBTREE;
                        }
                        try {
                            out.put(rel, new Entry("dir", perms(dir), attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS), 0, null));
                        } catch (NoSuchFileException e) {
                            return FileVisitResult.SKIP_SUBTREE; // vanished while walking: the next poll sees the truth
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String rel = root.relativize(file).toString();
                    try {
                        if (attrs.isSymbolicLink()) {
                            out.put(rel, new Entry("symlink", "", 0, 0, Files.readSymbolicLink(file).toString()));
                        } else {
                            out.put(rel, new Entry("file", perms(file), attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                                    attrs.size(), null));
                        }
                    } catch (NoSuchFileException e) {
                        // vanished (or replaced) while walking: the next poll sees the truth
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE; // vanished while walking: the next poll sees the truth
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    private static String perms(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, NOFOLLOW);
        return java.nio.file.attribute.PosixFilePermissions.toString(perms);
    }

    /** What differs between the two trees (metadata and bytes), empty when the mirror is exact. */
    static List<String> differences(Path source, Path dest) {
        Map<String, Entry> a = snapshot(source);
        Map<String, Entry> b = snapshot(dest);
        List<String> diffs = new ArrayList<>();
        for (var e : a.entrySet()) {
            Entry other = b.get(e.getKey());
            if (other == null) {
                diffs.add("missing in DEST: " + e.getKey());
            } else if (!other.equals(e.getValue())) {
                diffs.add("differs: " + e.getKey() + " source=" + e.getValue() + " dest=" + other);
            } else if (e.getValue().type().equals("file") && !sameBytes(source.resolve(e.getKey()), dest.resolve(e.getKey()))) {
                diffs.add("bytes differ: " + e.getKey());
            }
        }
        for (String extra : b.keySet()) {
            if (!a.containsKey(extra)) {
                diffs.add("extra in DEST: " + extra);
            }
        }
        return diffs;
    }

    private static boolean sameBytes(Path x, Path y) {
        try {
            return Files.mismatch(x, y) == -1;
        } catch (IOException e) {
            return false; // changing under us: not equal yet
        }
    }

    /** Polls until DEST mirrors SOURCE exactly; fails with the remaining differences and the services' logs. */
    static void awaitMirror(Path source, Path dest, Duration timeout, FerryProcess... logs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> diffs = differences(source, dest);
        while (!diffs.isEmpty() && System.nanoTime() < deadline) {
            FerryProcess.sleep(100);
            diffs = differences(source, dest);
        }
        if (!diffs.isEmpty()) {
            StringBuilder sb = new StringBuilder("DEST does not mirror SOURCE after " + timeout + ":\n");
            diffs.stream().limit(30).forEach(d -> sb.append("  ").append(d).append('\n'));
            for (FerryProcess p : logs) {
                sb.append(p.logTail()).append('\n');
            }
            throw new AssertionError(sb.toString());
        }
    }

    /** Polls until {@code condition} holds. */
    static void await(String what, Duration timeout, BooleanSupplier condition, FerryProcess... logs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder sb = new StringBuilder("timed out waiting for " + what + "\n");
                for (FerryProcess p : logs) {
                    sb.append(p.logTail()).append('\n');
                }
                throw new AssertionError(sb.toString());
            }
            FerryProcess.sleep(100);
        }
    }

    /** Incompressible bytes from a seeded PRNG, so runs are reproducible. */
    static byte[] random(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Writes {@code size} seeded random bytes to {@code file} in 1 MiB steps (large files without a large array). */
    static void writeRandom(Path file, long seed, long size) throws IOException {
        Files.createDirectories(file.getParent());
        Random r = new Random(seed);
        byte[] buf = new byte[1 << 20];
        try (var out = Files.newOutputStream(file)) {
            for (long done = 0; done < size; done += buf.length) {
                r.nextBytes(buf);
                out.write(buf, 0, (int) Math.min(buf.length, size - done));
            }
        }
    }

    static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    static void setMtime(Path p, long epochSeconds) throws IOException {
        Files.setLastModifiedTime(p, FileTime.fromMillis(epochSeconds * 1000));
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW)) {
            return;
        }
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
    }
}
