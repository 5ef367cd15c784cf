package dev.ferry.benchmarks.vsrsync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a tree costs on disk, as {@code du} counts it: allocated bytes (st_blocks × 512, which shows sparse files
 * and block rounding), apparent bytes (st_size) and entries (files, folders, links; the root itself not counted).
 * A file with several hard links inside the measured trees counts once, as du counts it. Java's attribute views do
 * not expose st_blocks, so this reads {@code find -printf} of GNU findutils.
 */
record DiskUsage(long allocatedBytes, long apparentBytes, long entries) {

    static final DiskUsage NONE = new DiskUsage(0, 0, 0);

    DiskUsage plus(DiskUsage o) {
        return new DiskUsage(allocatedBytes + o.allocatedBytes, apparentBytes + o.apparentBytes, entries + o.entries);
    }

    /** The sum over {@code roots} (each one's content, not the root entry itself; a missing root counts nothing). */
    static DiskUsage of(List<Path> roots) {
        DiskUsage sum = NONE;
        Set<String> seenInodes = new HashSet<>();
        for (Path root : roots) {
            if (Files.exists(root)) {
                sum = sum.plus(measure(root, seenInodes));
            }
        }
        return sum;
    }

    static DiskUsage of(Path root) {
        return of(List.of(root));
    }

    private static DiskUsage measure(Path root, Set<String> seenInodes) {
        // device:inode, link count, 512-byte blocks, size; one line per entry below the root
        List<String> cmd = List.of("find", root.toString(), "-mindepth", "1", "-printf", "%D:%i %n %b %s\\n");
        long allocated = 0;
        long apparent = 0;
        long entries = 0;
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.split(" ");
                    if (f.length != 4) {
                        throw new BenchException("unexpected line from " + String.join(" ", cmd) + ": " + line);
                    }
                    entries++;
                    if (Long.parseLong(f[1]) > 1 && !seenInodes.add(f[0])) {
                        continue; // another name of a file already counted
                    }
                    allocated += Long.parseLong(f[2]) * 512;
                    apparent += Long.parseLong(f[3]);
                }
            }
            int rc = p.waitFor();
            // 1: an entry vanished while walking (a tool's temp file); the rest was counted
            if (rc != 0 && rc != 1) {
                throw new BenchException(String.join(" ", cmd) + " exited with " + rc);
            }
        } catch (IOException e) {
            throw new BenchException("cannot measure " + root + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
        return new DiskUsage(allocated, apparent, entries);
    }
}
