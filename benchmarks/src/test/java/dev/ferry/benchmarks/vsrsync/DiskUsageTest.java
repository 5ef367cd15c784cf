package dev.ferry.benchmarks.vsrsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskUsageTest {
    @TempDir
    Path tmp;

    @Test
    void countsAllocatedAndApparentBytesAndEntriesAsDuDoes() throws Exception {
        Path root = tmp.resolve("tree");
        Workload.writeRandom(root.resolve("a/one.bin"), 1, 100_000);
        Files.writeString(root.resolve("two.txt"), "hi");
        Files.createSymbolicLink(root.resolve("link"), Path.of("two.txt"));
        Files.createLink(root.resolve("a/hard"), root.resolve("a/one.bin"));
        try (RandomAccessFile sparse = new RandomAccessFile(root.resolve("sparse").toFile(), "rw")) {
            sparse.setLength(64L << 20); // 64 MiB of hole: apparent, not allocated
        }

        DiskUsage d = DiskUsage.of(root);

        assertEquals(6, d.entries(), "a, a/one.bin, a/hard, two.txt, link, sparse (not the root)");
        long folder = Files.size(root.resolve("a"));
        long apparent = 100_000 + 2 + "two.txt".length() + folder + (64L << 20); // hard link counted once
        assertEquals(apparent, d.apparentBytes());
        assertTrue(d.allocatedBytes() >= 100_000 && d.allocatedBytes() < 1 << 20,
                "the hole is not allocated and the hard link counts once: " + d.allocatedBytes());
        assertEquals(du(root), d.allocatedBytes());
    }

    @Test
    void sumsSeveralRootsAndCountsAMissingOneAsNothing() throws Exception {
        Workload.writeRandom(tmp.resolve("x/f"), 1, 5000);
        Workload.writeRandom(tmp.resolve("y/g"), 2, 7000);
        DiskUsage d = DiskUsage.of(List.of(tmp.resolve("x"), tmp.resolve("y"), tmp.resolve("absent")));
        assertEquals(2, d.entries());
        assertEquals(12_000, d.apparentBytes());
    }

    /** GNU du's allocated bytes of everything below the root (its total minus the root folder itself). */
    private static long du(Path root) throws Exception {
        long total = Long.parseLong(run("du", "-s", "-B1", root.toString()).split("\\s+")[0]);
        long self = Long.parseLong(run("stat", "-c", "%b", root.toString()).trim()) * 512;
        return total - self;
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }
}
