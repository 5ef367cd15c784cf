package dev.ferry.benchmarks.vsrsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreeComparisonTest {
    @TempDir
    Path tmp;

    private int pairs;

    private Path[] pair() throws Exception {
        pairs++;
        Path a = tmp.resolve("a" + pairs);
        Path b = tmp.resolve("b" + pairs);
        for (Path root : List.of(a, b)) {
            Workload.writeRandom(root.resolve("x/one.bin"), 1, 100_000);
            Workload.writeRandom(root.resolve("two.bin"), 2, 10);
            Files.createDirectories(root.resolve("empty"));
            Files.createSymbolicLink(root.resolve("link"), Path.of("x/one.bin"));
            for (String p : List.of("x/one.bin", "two.bin", "x", "empty")) {
                Files.setLastModifiedTime(root.resolve(p), FileTime.fromMillis(1_700_000_000_123L));
            }
        }
        return new Path[] {a, b};
    }

    @Test
    void equalTreesHaveNoDifferenceAndFerryStateIsIgnored() throws Exception {
        Path[] t = pair();
        Files.createDirectories(t[1].resolve(".ferry/chunks"));
        assertEquals(List.of(), new TreeComparison().fullDifferences(t[0], t[1]));
    }

    @Test
    void everyKindOfDifferenceIsFound() throws Exception {
        TreeComparison cmp = new TreeComparison();
        Path[] t = pair();
        Workload.overwrite(t[1].resolve("x/one.bin"), 500, 1, 99); // same size and mtime, one byte differs
        Files.setLastModifiedTime(t[1].resolve("x/one.bin"), FileTime.fromMillis(1_700_000_000_123L));
        Files.setLastModifiedTime(t[1].resolve("x"), FileTime.fromMillis(1_700_000_000_123L));
        assertEquals(List.of("x/one.bin"), paths(cmp.fullDifferences(t[0], t[1])));

        t = pair();
        Files.setPosixFilePermissions(t[1].resolve("two.bin"), PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(List.of("two.bin"), paths(cmp.fullDifferences(t[0], t[1])));
        Files.setPosixFilePermissions(t[1].resolve("two.bin"), Files.getPosixFilePermissions(t[0].resolve("two.bin")));
        Files.setLastModifiedTime(t[1].resolve("two.bin"), FileTime.fromMillis(1_700_000_000_124L));
        assertEquals(List.of("two.bin"), paths(cmp.fullDifferences(t[0], t[1])));
        Files.setLastModifiedTime(t[1].resolve("two.bin"), FileTime.fromMillis(1_700_000_000_123L));

        Files.delete(t[1].resolve("link"));
        Files.createSymbolicLink(t[1].resolve("link"), Path.of("two.bin"));
        Files.delete(t[1].resolve("empty"));
        Files.writeString(t[1].resolve("extra"), "");
        assertEquals(List.of("empty", "link", "extra"), paths(cmp.fullDifferences(t[0], t[1])));
    }

    @Test
    void syncthingsViewLeavesOutItsMarkerAndFolderMtimesButNothingElse() throws Exception {
        TreeComparison st = TreeComparison.forSyncthing();
        Path[] t = pair();
        for (Path root : t) {
            Files.createDirectories(root.resolve(".stfolder"));
            Files.setLastModifiedTime(root.resolve(".stfolder"), FileTime.fromMillis(1_700_000_000_123L));
        }
        Files.createDirectories(t[1].resolve(".stversions/x"));
        Files.setLastModifiedTime(t[1].resolve("x"), FileTime.fromMillis(1_800_000_000_000L));
        assertEquals(List.of(), st.fullDifferences(t[0], t[1]));
        // the default view sees the folder's mtime and the versions folder
        assertEquals(List.of("x", ".stversions", ".stversions/x"),
                paths(new TreeComparison().fullDifferences(t[0], t[1])));

        // a folder's mode, a file's mtime and a nested .stfolder still count
        Files.setPosixFilePermissions(t[1].resolve("x"), PosixFilePermissions.fromString("rwx------"));
        Files.setLastModifiedTime(t[1].resolve("two.bin"), FileTime.fromMillis(1_700_000_000_124L));
        Files.createDirectories(t[1].resolve("empty/.stfolder"));
        assertEquals(List.of("two.bin", "x", "empty/.stfolder"), paths(st.fullDifferences(t[0], t[1])));
    }

    @Test
    void convergenceWaitsForTheLastFileAndConfirmsBytes() throws Exception {
        Path[] t = pair();
        Workload.writeRandom(t[0].resolve("x/late.bin"), 3, 5000);
        Files.setLastModifiedTime(t[0].resolve("x"), FileTime.fromMillis(1_700_000_000_123L));
        Thread writer = new Thread(() -> {
            try {
                Thread.sleep(300);
                Files.copy(t[0].resolve("x/late.bin"), t[1].resolve("x/late.bin"));
                Files.setLastModifiedTime(t[1].resolve("x/late.bin"), Files.getLastModifiedTime(t[0].resolve("x/late.bin")));
                Files.setLastModifiedTime(t[1].resolve("x"), FileTime.fromMillis(1_700_000_000_123L));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        long t0 = System.nanoTime();
        writer.start();
        Convergence.Result r = Convergence.await(new TreeComparison(), t[0], t[1], TreeComparison.snapshot(t[0]),
                Duration.ofSeconds(20), Duration.ofMillis(10), () -> { }, () -> "");
        writer.join();
        assertTrue(r.equalAtNanos() - t0 >= 300_000_000L, "not before the last file arrived");
        assertEquals(0, r.failedConfirmations());
    }

    private static List<String> paths(List<TreeComparison.Difference> diffs) {
        return diffs.stream().map(TreeComparison.Difference::path).toList();
    }
}
