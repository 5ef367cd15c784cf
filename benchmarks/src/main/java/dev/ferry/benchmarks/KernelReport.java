package dev.ferry.benchmarks;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs {@link ChunkingBenchmark} (and {@link ParallelChunkingBenchmark}) and prints its results as bytes per second on one core (GB = 10^9 B), with
 * issue 4's two kernel targets: FastCDC cut >= 1.5 GB/s, and cut + SHA-256 within 1.2x of SHA-256 alone.
 * Takes JMH's own options, e.g. {@code -f 1 -wi 2 -i 5 -w 2s -r 3s -p size=67108864}.
 */
public final class KernelReport {
    private static final double CUT_TARGET = 1.5e9;
    private static final double HASH_RATIO_TARGET = 1.2;

    private KernelReport() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Options cli = new CommandLineOptions(args);
        Options opt = new OptionsBuilder().parent(cli).include(ChunkingBenchmark.class.getName() + "\\.")
                .include(ParallelChunkingBenchmark.class.getName() + "\\.").build();
        Collection<RunResult> runs = new Runner(opt).run();
        Map<Integer, Map<String, double[]>> bySize = new TreeMap<>((a, b) -> Integer.compare(b, a));
        for (RunResult r : runs) {
            String name = r.getParams().getBenchmark();
            name = name.substring(name.lastIndexOf('.') + 1);
            int size = Integer.parseInt(r.getParams().getParam("size"));
            Result<?> p = r.getPrimaryResult();
            bySize.computeIfAbsent(size, k -> new TreeMap<>())
                    .put(name, new double[] {p.getScore() * size, p.getScoreError() * size});
        }
        System.out.println(table(bySize));
    }

    static String table(Map<Integer, Map<String, double[]>> bySize) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark (one core) | buffer | GB/s | ± (99.9%) | GiB/s |\n|---|---:|---:|---:|---:|\n");
        List<String> verdicts = new ArrayList<>();
        for (var e : bySize.entrySet()) {
            int size = e.getKey();
            for (String b : List.of("memoryScan", "fastCdcCut", "sha256", "fastCdcCutThenSha256InPlace",
                    "fastCdcWithSha256", "fastCdcWithSha256AllCores")) {
                double[] v = e.getValue().get(b);
                if (v != null) {
                    sb.append(String.format(Locale.ROOT, "| `%s` | %d MiB | %.2f | %.2f | %.2f |%n", b, size >> 20,
                            v[0] / 1e9, Double.isNaN(v[1]) ? 0 : v[1] / 1e9, v[0] / (1 << 30)));
                }
            }
            double[] cut = e.getValue().get("fastCdcCut");
            double[] sha = e.getValue().get("sha256");
            double[] split = e.getValue().get("fastCdcWithSha256");
            double[] inPlace = e.getValue().get("fastCdcCutThenSha256InPlace");
            double[] all = e.getValue().get("fastCdcWithSha256AllCores");
            if (all != null && split != null) {
                verdicts.add(String.format(Locale.ROOT, "%d MiB: split() on all %d cores at once: %.2f GB/s in total, "
                        + "%.2fx one core", size >> 20, Runtime.getRuntime().availableProcessors(), all[0] / 1e9,
                        all[0] / split[0]));
            }
            if (cut != null) {
                verdicts.add(String.format(Locale.ROOT, "%d MiB: FastCDC cut %.2f GB/s, target >= 1.50: %s", size >> 20,
                        cut[0] / 1e9, cut[0] >= CUT_TARGET ? "met" : "missed"));
            }
            if (sha != null && split != null) {
                double ratio = sha[0] / split[0];
                verdicts.add(String.format(Locale.ROOT, "%d MiB: split() (copy + cut + SHA-256) takes %.2fx the time "
                        + "of SHA-256 alone, target <= 1.20: %s", size >> 20, ratio,
                        ratio <= HASH_RATIO_TARGET ? "met" : "missed"));
            }
            if (sha != null && inPlace != null) {
                verdicts.add(String.format(Locale.ROOT, "%d MiB: cut then SHA-256 in place takes %.2fx the time of "
                        + "SHA-256 alone", size >> 20, sha[0] / inPlace[0]));
            }
        }
        sb.append('\n');
        verdicts.forEach(v -> sb.append("- ").append(v).append('\n'));
        return sb.toString();
    }
}
