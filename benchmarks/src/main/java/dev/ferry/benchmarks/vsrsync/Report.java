package dev.ferry.benchmarks.vsrsync;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/** The one table of medians with Ferry/rsync ratios and the targets, as markdown. */
final class Report {
    /** Issue 4's targets for Ferry/rsync: bytes and time, by case. */
    static final Map<Integer, Double> BYTES_TARGET = Map.of(1, 1.02, 2, 1.02, 3, 0.9, 4, 0.6, 5, 0.001, 6, 0.001,
            7, 0.1, 9, 0.3);
    static final Map<Integer, Double> TIME_TARGET = Map.of(1, 1.0, 2, 0.5, 3, 0.7, 5, 0.05, 6, 0.1, 7, 2.0);
    static final double P50_TARGET_MS = 100;
    static final double P95_TARGET_MS = 250;

    private Report() {
    }

    static String caseName(int c, Workload.Sizes s) {
        return switch (c) {
            case 1 -> "1. initial sync, " + size(s.largeTotal()) + " in " + s.largeFiles() + " files (cold: watcher JVM start included)";
            case 2 -> "2. initial sync, " + String.format(Locale.ROOT, "%,d", s.smallFiles()) + " files of "
                    + size(s.smallFileBytes()) + " in three levels (cold)";
            case 3 -> "3. " + size(s.overwriteBytes()) + " overwritten in the middle of a synced " + size(s.bigFileBytes()) + " file";
            case 4 -> "4. " + size(s.insertBytes()) + " inserted at " + size(s.insertAt()) + " into it";
            case 5 -> "5. that file renamed + a folder of " + s.folderFiles() + " files of " + size(s.folderFileBytes()) + " moved";
            case 6 -> "6. that file copied to a new name";
            case 7 -> "7. restart, nothing changed, over cases 1+2 (cold: `--once`, JVM start included)";
            case 8 -> "8. latency of a new " + size(s.latencyFileBytes()) + " file, p50 / p95 (bytes: per file)";
            case 9 -> "9. new " + size(s.newFileBytes()) + " file, first " + size(s.sharedBytes()) + " equal to an existing file";
            default -> "case " + c;
        };
    }

    static String size(long bytes) {
        if (bytes >= Workload.GIB && bytes % Workload.GIB == 0) {
            return bytes / Workload.GIB + " GiB";
        }
        if (bytes >= Workload.MIB && bytes % Workload.MIB == 0) {
            return bytes / Workload.MIB + " MiB";
        }
        if (bytes >= Workload.KIB && bytes % Workload.KIB == 0) {
            return bytes / Workload.KIB + " KiB";
        }
        return bytes + " B";
    }

    static String table(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | Ferry bytes | rsync bytes | bytes Ferry/rsync | Ferry time | rsync time | time Ferry/rsync |\n");
        sb.append("|---|---:|---:|---|---:|---:|---|\n");
        for (int c : s.cases()) {
            sb.append("| ").append(caseName(c, s.sizes()));
            if (r.failures().containsKey(c)) {
                sb.append(" **(failures: see below)**");
            }
            sb.append(" | ");
            OptionalDouble fb = r.median(c, "ferry", "bytes");
            OptionalDouble rb = r.median(c, "rsync", "bytes");
            sb.append(bytes(fb)).append(" | ").append(bytes(rb)).append(" | ")
                    .append(ratio(fb, rb, BYTES_TARGET.get(c))).append(" | ");
            if (c == 8) {
                sb.append(latency(r, "ferry", true)).append(" | ").append(latency(r, "rsync", false))
                        .append(" | ").append(latencyVerdict(r)).append(" |\n");
                continue;
            }
            OptionalDouble ft = r.median(c, "ferry", "seconds");
            OptionalDouble rt = r.median(c, "rsync", "seconds");
            sb.append(seconds(ft, r.series(c, "ferry", "seconds"))).append(" | ")
                    .append(seconds(rt, r.series(c, "rsync", "seconds"))).append(" | ")
                    .append(ratio(ft, rt, TIME_TARGET.get(c))).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * CPU seconds (user + system, medians) of each side per case: on a shared machine far steadier than wall
     * time, since waiting for a core another build holds costs no CPU.
     */
    static String cpuTable(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | Ferry CPU (watcher + store) | rsync CPU (client + daemon) | CPU Ferry/rsync |\n");
        sb.append("|---|---:|---:|---|\n");
        for (int c : s.cases()) {
            OptionalDouble fc = r.median(c, "ferry", "cpu");
            OptionalDouble rc = r.median(c, "rsync", "cpu");
            if (c == 8 || (fc.isEmpty() && rc.isEmpty())) {
                continue;
            }
            sb.append("| ").append(c).append(" | ")
                    .append(cpu(fc, r.median(c, "ferry", "watcherCpu"), r.median(c, "ferry", "storeCpu"))).append(" | ")
                    .append(cpu(rc, r.median(c, "rsync", "clientCpu"), r.median(c, "rsync", "daemonCpu"))).append(" | ")
                    .append(ratio(fc, rc, null).replace(" (no target)", "")).append(" |\n");
        }
        return sb.toString();
    }

    private static String cpu(OptionalDouble total, OptionalDouble a, OptionalDouble b) {
        if (total.isEmpty()) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f s (%.2f + %.2f)", total.getAsDouble(), a.orElse(Double.NaN), b.orElse(Double.NaN));
    }

    private static String latency(Results r, String tool, boolean withTarget) {
        OptionalDouble p50 = r.median(8, tool, "p50ms");
        OptionalDouble p95 = r.median(8, tool, "p95ms");
        if (p50.isEmpty()) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.0f / %.0f ms", p50.getAsDouble(), p95.getAsDouble());
    }

    private static String latencyVerdict(Results r) {
        OptionalDouble p50 = r.median(8, "ferry", "p50ms");
        OptionalDouble p95 = r.median(8, "ferry", "p95ms");
        if (p50.isEmpty()) {
            return "n/a";
        }
        boolean ok50 = p50.getAsDouble() <= P50_TARGET_MS;
        boolean ok95 = p95.getAsDouble() <= P95_TARGET_MS;
        return "target p50 ≤ 100 ms: " + (ok50 ? "met" : "**missed**") + "; p95 ≤ 250 ms: " + (ok95 ? "met" : "**missed**");
    }

    static String bytes(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%,d", Math.round(v.getAsDouble())) : "n/a";
    }

    private static String seconds(OptionalDouble v, List<Double> all) {
        if (v.isEmpty()) {
            return "n/a";
        }
        String m = secs(v.getAsDouble());
        if (all.size() > 1) {
            double lo = all.stream().mapToDouble(Double::doubleValue).min().orElse(0);
            double hi = all.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            return m + " (" + secs(lo) + "–" + secs(hi) + ")";
        }
        return m;
    }

    static String secs(double s) {
        return s < 10 ? String.format(Locale.ROOT, "%.3f s", s) : String.format(Locale.ROOT, "%.1f s", s);
    }

    static String ratio(OptionalDouble ferry, OptionalDouble rsync, Double target) {
        if (ferry.isEmpty() || rsync.isEmpty() || rsync.getAsDouble() == 0) {
            return "n/a";
        }
        double q = ferry.getAsDouble() / rsync.getAsDouble();
        String ratio = q < 0.01 ? String.format(Locale.ROOT, "%.5f", q) : String.format(Locale.ROOT, "%.3f", q);
        if (target == null) {
            return ratio + " (no target)";
        }
        String t = target < 0.01 ? String.format(Locale.ROOT, "%.3f", target) : String.format(Locale.ROOT, "%.2f", target);
        return q <= target ? ratio + " (≤ " + t + ": met)"
                : ratio + " (≤ " + t + ": **missed**, " + String.format(Locale.ROOT, "%.1f", q / target) + "× the target)";
    }
}
