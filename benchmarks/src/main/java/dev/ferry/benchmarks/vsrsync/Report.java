package dev.ferry.benchmarks.vsrsync;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The tables of medians (time, bytes, CPU, disk) with Ferry/rsync and Ferry/Syncthing ratios against the targets
 * of issue 12 (time, disk, Syncthing) and issue 4 (bytes, latency), as markdown.
 */
final class Report {
    /** Issue 4's targets for Ferry/rsync bytes, by case (issue 12: "every byte target of today stays met"). */
    static final Map<Integer, Double> BYTES_TARGET = Map.of(1, 1.02, 2, 1.02, 3, 0.9, 4, 0.6, 5, 0.001, 6, 0.001,
            7, 0.1, 9, 0.3);
    /** Issue 12's targets for Ferry/rsync time, by case. */
    static final Map<Integer, Double> TIME_TARGET = Map.of(1, 2.0, 2, 3.0, 3, 1.0, 4, 1.0, 5, 0.05, 6, 1.0,
            7, 3.0, 9, 1.5);
    /** Issue 12: Ferry ahead of Syncthing on every case (time, and case 8's latency). */
    static final double SYNCTHING_TARGET = 1.0;
    /** Issue 12's disk targets for the store's folder against SOURCE: bytes, and entries plus a constant. */
    static final double DISK_BYTES_TARGET = 1.05;
    static final double DISK_ENTRIES_TARGET = 1.01;
    /**
     * The constant of the entries target: the issue leaves it open; 100 leaves room for the store's own files
     * (state database, lock, logs, a few packs) whatever the tree's size.
     */
    static final long DISK_ENTRIES_CONSTANT = 100;
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

    /** 1.00 GiB, 64.0 MiB, 7.8 MiB, 30.0 KiB: for sizes that are no round number of units. */
    static String approximateSize(long bytes) {
        if (bytes >= Workload.GIB) {
            return String.format(Locale.ROOT, "%.2f GiB", (double) bytes / Workload.GIB);
        }
        if (bytes >= Workload.MIB) {
            return String.format(Locale.ROOT, "%.1f MiB", (double) bytes / Workload.MIB);
        }
        return String.format(Locale.ROOT, "%.1f KiB", (double) bytes / Workload.KIB);
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
        return timeTable(r, s) + "\n" + bytesTable(r, s);
    }

    /** Time per case of each side, Ferry/rsync against issue 12's targets, Ferry/Syncthing against "ahead". */
    static String timeTable(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | Ferry time | rsync time | Syncthing time | time Ferry/rsync | time Ferry/Syncthing |\n");
        sb.append("|---|---:|---:|---:|---|---|\n");
        for (int c : s.cases()) {
            sb.append("| ").append(caseName(c, s.sizes()));
            if (r.failures().containsKey(c)) {
                sb.append(" **(failures: see below)**");
            }
            sb.append(" | ");
            if (c == 8) {
                sb.append(latency(r, "ferry", true)).append(" | ").append(latency(r, "rsync", false)).append(" | ")
                        .append(latency(r, "syncthing", false)).append(" | ").append(latencyVerdict(r)).append(" | ")
                        .append("p50: ").append(ahead(r.median(8, "ferry", "p50ms"), r.median(8, "syncthing", "p50ms")))
                        .append(" |\n");
                continue;
            }
            OptionalDouble ft = r.median(c, "ferry", "seconds");
            OptionalDouble rt = r.median(c, "rsync", "seconds");
            OptionalDouble st = r.median(c, "syncthing", "seconds");
            sb.append(seconds(ft, r.series(c, "ferry", "seconds"))).append(" | ")
                    .append(seconds(rt, r.series(c, "rsync", "seconds"))).append(" | ")
                    .append(seconds(st, r.series(c, "syncthing", "seconds"))).append(" | ")
                    .append(ratio(ft, rt, TIME_TARGET.get(c))).append(" | ")
                    .append(ahead(ft, st)).append(" |\n");
        }
        return sb.toString();
    }

    /** Payload bytes through the proxies per case, Ferry/rsync against issue 4's targets. */
    static String bytesTable(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | Ferry bytes | rsync bytes | Syncthing bytes | bytes Ferry/rsync | bytes Ferry/Syncthing |\n");
        sb.append("|---|---:|---:|---:|---|---|\n");
        for (int c : s.cases()) {
            OptionalDouble fb = r.median(c, "ferry", "bytes");
            OptionalDouble rb = r.median(c, "rsync", "bytes");
            OptionalDouble sb2 = r.median(c, "syncthing", "bytes");
            sb.append("| ").append(c).append(c == 8 ? " (per file)" : "").append(" | ").append(bytes(fb)).append(" | ")
                    .append(bytes(rb)).append(" | ").append(bytes(sb2)).append(" | ")
                    .append(ratio(fb, rb, BYTES_TARGET.get(c))).append(" | ")
                    .append(ratio(fb, sb2, null).replace(" (no target)", "")).append(" |\n");
        }
        return sb.toString();
    }

    /** Ferry/Syncthing with the verdict of issue 12's "Ferry ahead of Syncthing". */
    static String ahead(OptionalDouble ferry, OptionalDouble syncthing) {
        if (ferry.isEmpty() || syncthing.isEmpty() || syncthing.getAsDouble() == 0) {
            return "n/a";
        }
        double q = ferry.getAsDouble() / syncthing.getAsDouble();
        return String.format(Locale.ROOT, q < 0.01 ? "%.5f" : "%.3f", q)
                + (q < SYNCTHING_TARGET ? " (ahead: met)" : " (ahead: **missed**)");
    }

    /**
     * Bytes of SOURCE data a case writes: what a tool must at least read to learn the new content. Cases 4 and 6
     * write the whole file (an editor's save; a copy), case 3 overwrites in place, cases 5 and 7 write none.
     */
    static long changedBytes(int c, BenchSettings s) {
        Workload.Sizes z = s.sizes();
        return switch (c) {
            case 1 -> z.largeTotal();
            case 2 -> (long) z.smallFiles() * z.smallFileBytes();
            case 3 -> z.overwriteBytes();
            case 4 -> z.bigFileBytes() + z.insertBytes();
            case 6 -> z.bigFileBytes() + (s.cases().contains(4) ? z.insertBytes() : 0);
            case 9 -> z.newFileBytes();
            case 8 -> (long) s.latencySamples() * z.latencyFileBytes();
            default -> 0;
        };
    }

    /**
     * CPU seconds (user + system, medians) of each side per case, and per GiB of SOURCE data changed: on a shared
     * machine far steadier than wall time, since waiting for a core another build holds costs no CPU.
     */
    static String cpuTable(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | data changed | Ferry CPU (watcher + store) | Ferry s/GiB (watcher + store) | rsync CPU "
                + "(client + daemon) | rsync s/GiB | Syncthing CPU (source + dest) | Syncthing s/GiB | "
                + "CPU Ferry/rsync | CPU Ferry/Syncthing |\n");
        sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        for (int c : s.cases()) {
            OptionalDouble fc = r.median(c, "ferry", "cpu");
            OptionalDouble rc = r.median(c, "rsync", "cpu");
            OptionalDouble sc = r.median(c, "syncthing", "cpu");
            if (c == 8 || (fc.isEmpty() && rc.isEmpty() && sc.isEmpty())) {
                continue;
            }
            long changed = changedBytes(c, s);
            OptionalDouble fw = r.median(c, "ferry", "watcherCpu");
            OptionalDouble fs = r.median(c, "ferry", "storeCpu");
            sb.append("| ").append(c).append(" | ").append(changed == 0 ? "none" : approximateSize(changed)).append(" | ")
                    .append(cpu(fc, fw, fs)).append(" | ").append(perGib(fc, fw, fs, changed)).append(" | ")
                    .append(cpu(rc, r.median(c, "rsync", "clientCpu"), r.median(c, "rsync", "daemonCpu"))).append(" | ")
                    .append(perGib(rc, changed)).append(" | ")
                    .append(cpu(sc, r.median(c, "syncthing", "sourceCpu"), r.median(c, "syncthing", "destCpu")))
                    .append(" | ").append(perGib(sc, changed)).append(" | ")
                    .append(ratio(fc, rc, null).replace(" (no target)", "")).append(" | ")
                    .append(ratio(fc, sc, null).replace(" (no target)", "")).append(" |\n");
        }
        return sb.toString();
    }

    private static String perGib(OptionalDouble total, long changed) {
        if (total.isEmpty() || changed == 0) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", total.getAsDouble() * Workload.GIB / changed);
    }

    private static String perGib(OptionalDouble total, OptionalDouble a, OptionalDouble b, long changed) {
        if (total.isEmpty() || changed == 0) {
            return "n/a";
        }
        double k = (double) Workload.GIB / changed;
        return String.format(Locale.ROOT, "%.2f (%.2f + %.2f)", total.getAsDouble() * k, a.orElse(Double.NaN) * k,
                b.orElse(Double.NaN) * k);
    }

    /**
     * Disk after each case (medians): what each side keeps on the receiving end, as ratios to SOURCE's figures of
     * the same moment: allocated bytes (st_blocks × 512, du) / apparent bytes (st_size) / entries. Ferry: the
     * store's whole folder (mirror and .ferry); rsync: its DEST; Syncthing: its DEST (with .stfolder) and the DEST
     * instance's index database. Ferry's against issue 12's targets.
     */
    static String diskTable(Results r, BenchSettings s) {
        StringBuilder sb = new StringBuilder();
        sb.append("| case | SOURCE: allocated / apparent / entries | Ferry: allocated / apparent / entries | "
                + "Ferry vs targets (bytes ≤ 1.05x, entries ≤ 1.01x + " + DISK_ENTRIES_CONSTANT + ") | "
                + "rsync | Syncthing |\n");
        sb.append("|---|---:|---:|---|---:|---:|\n");
        for (int c : s.cases()) {
            OptionalDouble srcA = r.median(c, "ferry", "sourceAllocated");
            if (srcA.isEmpty()) {
                srcA = r.median(c, "rsync", "sourceAllocated");
            }
            if (srcA.isEmpty() && r.median(c, "syncthing", "sourceAllocated").isEmpty()) {
                continue;
            }
            String tool = r.median(c, "ferry", "sourceAllocated").isPresent() ? "ferry"
                    : r.median(c, "rsync", "sourceAllocated").isPresent() ? "rsync" : "syncthing";
            sb.append("| ").append(c).append(" | ")
                    .append(mib(r.median(c, tool, "sourceAllocated"))).append(" / ")
                    .append(mib(r.median(c, tool, "sourceApparent"))).append(" / ")
                    .append(bytes(r.median(c, tool, "sourceEntries"))).append(" | ")
                    .append(diskRatios(r, c, "ferry")).append(" | ").append(diskVerdict(r, c)).append(" | ")
                    .append(diskRatios(r, c, "rsync")).append(" | ").append(diskRatios(r, c, "syncthing"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static String mib(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.1f MiB", v.getAsDouble() / Workload.MIB) : "n/a";
    }

    private static OptionalDouble quotient(Results r, int c, String tool, String metric, String sourceMetric) {
        OptionalDouble a = r.median(c, tool, metric);
        OptionalDouble b = r.median(c, tool, sourceMetric);
        if (a.isEmpty() || b.isEmpty() || b.getAsDouble() == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(a.getAsDouble() / b.getAsDouble());
    }

    private static String diskRatios(Results r, int c, String tool) {
        OptionalDouble a = quotient(r, c, tool, "diskAllocated", "sourceAllocated");
        if (a.isEmpty()) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.3fx / %.3fx / %.3fx (%,d)", a.getAsDouble(),
                quotient(r, c, tool, "diskApparent", "sourceApparent").orElse(Double.NaN),
                quotient(r, c, tool, "diskEntries", "sourceEntries").orElse(Double.NaN),
                Math.round(r.median(c, tool, "diskEntries").orElse(Double.NaN)));
    }

    /** Ferry's store folder against issue 12's disk targets (allocated bytes; entries with the constant). */
    static String diskVerdict(Results r, int c) {
        OptionalDouble a = quotient(r, c, "ferry", "diskAllocated", "sourceAllocated");
        OptionalDouble e = r.median(c, "ferry", "diskEntries");
        OptionalDouble se = r.median(c, "ferry", "sourceEntries");
        if (a.isEmpty() || e.isEmpty() || se.isEmpty()) {
            return "n/a";
        }
        boolean bytesMet = a.getAsDouble() <= DISK_BYTES_TARGET;
        double allowed = DISK_ENTRIES_TARGET * se.getAsDouble() + DISK_ENTRIES_CONSTANT;
        boolean entriesMet = e.getAsDouble() <= allowed;
        return "bytes " + (bytesMet ? "met" : String.format(Locale.ROOT, "**missed** (%.2fx)", a.getAsDouble()))
                + "; entries " + (entriesMet ? "met" : String.format(Locale.ROOT, "**missed** (%,d over)",
                Math.round(e.getAsDouble() - allowed)));
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
