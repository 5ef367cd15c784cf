package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Compression on the wire, cold sync of one tree to an empty destination: Ferry ({@code --once}, with
 * {@code FERRY_WATCHER_COMPRESS=auto} and {@code off}) against {@code rsync -a} and {@code rsync -az} (to an rsync
 * daemon). Every tool goes through the same {@link CountingProxy}, which counts the application bytes both ways
 * (Ferry: REST bodies and headers, WebSocket frames; rsync: its protocol). Each run starts from an empty store or
 * destination and is checked equal to the source afterwards. Prints one markdown row per run.
 * <p>
 * Run (after {@code ./mvnw -B -pl store-service,watcher-service,benchmarks -am package -DskipTests}):
 * {@code scripts/bench-compression.sh TREE [TREE...]}
 */
public final class CompressionRun {
    private CompressionRun() {
    }

    public static void main(String[] args) throws Exception {
        List<String> passOn = new ArrayList<>();
        List<Path> trees = new ArrayList<>();
        int repeats = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo", "--commit", "--store-jar", "--watcher-jar", "--timeout" -> {
                    passOn.add(args[i]);
                    passOn.add(args[++i]);
                }
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default -> trees.add(Path.of(args[i]).toAbsolutePath());
            }
        }
        BenchSettings settings = BenchSettings.parse(passOn.toArray(new String[0]));
        Path work = Files.createTempDirectory("ferry-compress-bench-");
        Path logs = work.resolve("logs");
        Files.createDirectories(logs);
        TreeComparison comparison = new TreeComparison();
        System.out.println("| tree | tool | seconds | bytes on the wire (both ways) | of which up | client CPU s | server CPU s |");
        System.out.println("|---|---|---|---|---|---|---|");
        try {
            for (Path tree : trees) {
                for (int r = 1; r <= repeats; r++) {
                    for (String tool : List.of("ferry auto", "ferry off", "rsync -a", "rsync -az")) {
                        Path root = work.resolve("run");
                        delete(root);
                        Files.createDirectories(root);
                        Path dest = root.resolve("dest");
                        String tag = tool.replace(' ', '-') + "-" + r;
                        double[] row;
                        if (tool.startsWith("ferry")) {
                            row = ferry(settings, tree, dest, root, logs, tag, tool.endsWith("auto") ? "auto" : "off");
                        } else {
                            row = rsync(settings, tree, dest, root, logs, tag, tool.endsWith("z"));
                        }
                        List<TreeComparison.Difference> diffs = comparison.fullDifferences(tree, dest);
                        if (!diffs.isEmpty()) {
                            throw new BenchException(tool + ": DEST differs from SOURCE in " + diffs.size()
                                    + " paths, e.g. " + diffs.subList(0, Math.min(5, diffs.size())));
                        }
                        System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %,d | %,d | %.1f | %.1f |%n", tree, tool,
                                row[0], (long) row[1], (long) row[2], row[3], row[4]);
                        delete(root);
                    }
                }
            }
        } finally {
            delete(work);
        }
    }

    /** seconds, total bytes, upstream bytes, watcher CPU s, store CPU s (its start excluded). */
    private static double[] ferry(BenchSettings settings, Path tree, Path dest, Path root, Path logs, String tag,
                                  String compress) throws IOException {
        try (FerrySide ferry = new FerrySide(settings, dest, root.resolve("state"), logs, tag)) {
            ferry.watcherEnv("FERRY_WATCHER_COMPRESS", compress);
            ferry.startStore();
            ferry.proxy.reset();
            double store0 = ferry.store().cpuSecondsWithChildren();
            double reaped0 = ChildProcess.reapedChildrenCpuSeconds();
            long t0 = System.nanoTime();
            ChildProcess once = ferry.startWatcher(tree, true);
            int rc = once.awaitExit(settings.timeout());
            long t1 = System.nanoTime();
            double watcherCpu = ChildProcess.reapedChildrenCpuSeconds() - reaped0;
            if (rc != 0) {
                throw new BenchException("watcher --once exited with " + rc + "\n" + ferry.logs());
            }
            Convergence.sleep(200);
            return new double[] {(t1 - t0) / 1e9, ferry.proxy.total(), ferry.proxy.upstream(), watcherCpu,
                    ferry.store().cpuSecondsWithChildren() - store0};
        }
    }

    private static double[] rsync(BenchSettings settings, Path tree, Path dest, Path root, Path logs, String tag,
                                  boolean z) throws IOException {
        try (RsyncSide rsync = new RsyncSide(dest, root.resolve("rsyncd"), logs, tag)) {
            RsyncSide.Run run = rsync.sync(tree, settings.timeout(), z);
            return new double[] {run.seconds(), run.bytes(), run.up(), run.clientCpu(), run.daemonCpu()};
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                q.toFile().setWritable(true);
                Files.deleteIfExists(q);
            }
        }
    }
}
