package dev.ferry.benchmarks.vsrsync;

import dev.ferry.benchmarks.vsrsync.TreeComparison.Entry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The scale run: an initial sync of a tree of many small files (1,000,000 by default) with Ferry, then a restart
 * over it with nothing changed, and the same two with rsync; time, bytes and the peak RSS of each Ferry side.
 */
final class ScaleRun {
    private final BenchSettings s;
    private final Path logs;

    ScaleRun(BenchSettings s) {
        this.s = s;
        this.logs = s.outDir().resolve("logs");
    }

    int run() throws IOException {
        Files.createDirectories(logs);
        Path work = BenchVsRsync.workDir(s, "ferry-scale-");
        if (!s.keep()) {
            ChildProcess.atExit(() -> Workload.deleteTree(work));
        }
        long perFile = Math.max(4096, s.scaleFileBytes());
        BenchVsRsync.requireSpace(work, (long) s.scaleFiles() * perFile * (s.rsync() ? 4 : 3) + Workload.GIB);
        Machine machine = Machine.describe(work, s);
        BenchVsRsync.say("scale run: " + String.format(Locale.ROOT, "%,d", s.scaleFiles()) + " files of "
                + s.scaleFileBytes() + " B in " + work + "\n" + machine.summary());
        StringBuilder md = new StringBuilder();
        String loadBefore = Machine.uptime();
        TreeComparison cmp = new TreeComparison();
        Path src = work.resolve("source");
        Path fdest = work.resolve("ferry-dest");
        Path rdest = work.resolve("rsync-dest");
        try {
            long g0 = System.nanoTime();
            Workload.scaleTree(src, s.seed(), s.scaleFiles(), s.scaleFileBytes());
            BenchVsRsync.say(String.format(Locale.ROOT, "generated in %.0f s", (System.nanoTime() - g0) / 1e9));
            Map<String, Entry> expected = TreeComparison.snapshot(src);
            md.append("Scale run, ").append(Instant.now()).append(", commit ").append(s.commit()).append(": ")
                    .append(String.format(Locale.ROOT, "%,d files of %d B (%,d entries with folders)", s.scaleFiles(),
                            s.scaleFileBytes(), expected.size())).append("\n\n");
            md.append("| what | time | bytes on the wire | watcher peak RSS | store peak RSS |\n|---|---:|---:|---:|---:|\n");
            try (FerrySide ferry = new FerrySide(s, fdest, work.resolve("watcher-state"), logs, "scale");
                 RsyncSide rsync = s.rsync() ? new RsyncSide(rdest, work.resolve("rsyncd"), logs, "scale") : null) {
                ferry.startStore();
                long storeIdleRss = ferry.store().rssBytes();
                BenchVsRsync.flushDisks();
                ferry.proxy.reset();
                long t0 = System.nanoTime();
                ChildProcess w = ferry.startWatcher(src, false);
                Convergence.Result res;
                try {
                    res = Convergence.await(cmp, src, fdest, expected, s.timeout(),
                            BenchVsRsync.poll(expected.size()), () -> {
                                ferry.checkAlive();
                                if (!w.isAlive()) {
                                    throw new BenchException("the watcher exited\n" + ferry.logs());
                                }
                            }, ferry::logs);
                } catch (BenchException e) {
                    // Say how far it got, so a run that cannot finish in time still gives a rate and memory.
                    double secs = (System.nanoTime() - t0) / 1e9;
                    Map<String, Entry> got = TreeComparison.snapshot(fdest);
                    long done = expected.entrySet().stream().filter(x -> x.getValue().equals(got.get(x.getKey()))).count();
                    md.append(String.format(Locale.ROOT, "| Ferry initial sync: **not finished** after %s: %,d of %,d "
                                    + "entries in DEST (%.0f entries/s) | %s | %,d | %d MiB | %d MiB |%n", Report.secs(secs),
                            done, expected.size(), done / secs, Report.secs(secs), ferry.proxy.total(),
                            w.peakRssBytes() >> 20, ferry.store().peakRssBytes() >> 20));
                    md.append(String.format(Locale.ROOT, "%nPeak RSS per entry synced so far: watcher %.0f B, store %.0f B.%n",
                            (double) w.peakRssBytes() / Math.max(1, done), (double) ferry.store().peakRssBytes() / Math.max(1, done)));
                    throw e;
                }
                double secs = (res.equalAtNanos() - t0) / 1e9;
                ferry.awaitIdle(Duration.ofSeconds(60));
                long wPeak = w.peakRssBytes();
                long sPeak = ferry.store().peakRssBytes();
                long bytes = ferry.proxy.total();
                md.append(row("Ferry initial sync (cold, watcher JVM start included)", secs, bytes, wPeak, sPeak));
                BenchVsRsync.say(String.format(Locale.ROOT, "Ferry initial sync: %.1f s, %,d bytes, watcher %d MiB, "
                        + "store %d MiB peak RSS", secs, bytes, wPeak >> 20, sPeak >> 20));
                ferry.stopWatcher();

                BenchVsRsync.flushDisks();
                ferry.proxy.reset();
                long t1 = System.nanoTime();
                ChildProcess once = ferry.startWatcher(src, true);
                int rc = once.awaitExit(s.timeout());
                double onceSecs = (System.nanoTime() - t1) / 1e9;
                if (rc != 0) {
                    throw new BenchException("watcher --once exited with " + rc + "\n" + ferry.logs());
                }
                md.append(row("Ferry restart, nothing changed (`--once`, cold)", onceSecs, ferry.proxy.total(),
                        once.peakRssBytes(), ferry.store().peakRssBytes()));
                md.append(String.format(Locale.ROOT, "%nPeak RSS per file (peak / files): watcher %.0f B, store "
                                + "%.0f B; store above its idle RSS after start (%d MiB): %.0f B per file.%n",
                        (double) wPeak / s.scaleFiles(), (double) sPeak / s.scaleFiles(), storeIdleRss >> 20,
                        (double) (sPeak - storeIdleRss) / s.scaleFiles()));
                if (rsync != null) {
                    BenchVsRsync.flushDisks();
                    RsyncSide.Run r1 = rsync.sync(src, s.timeout());
                    BenchVsRsync.flushDisks();
                    RsyncSide.Run r2 = rsync.sync(src, s.timeout());
                    md.insert(md.indexOf("\nPeak RSS"), row("rsync initial sync", r1.seconds(), r1.bytes(), -1, -1)
                            + row("rsync again, nothing changed", r2.seconds(), r2.bytes(), -1, -1));
                    BenchVsRsync.say(String.format(Locale.ROOT, "rsync: %.1f s initial, %.1f s again", r1.seconds(), r2.seconds()));
                }
            }
        } catch (BenchException e) {
            md.append("\n**Failed**: ").append(e.getMessage().replace("\n", "\n    ")).append('\n');
            finish(md, machine, loadBefore);
            throw e;
        } finally {
            if (!s.keep()) {
                Workload.deleteTree(work);
            }
        }
        finish(md, machine, loadBefore);
        return 0;
    }

    private void finish(StringBuilder md, Machine machine, String loadBefore) throws IOException {
        md.append("\n").append(machine.markdown()).append("\nLoad: before ").append(loadBefore).append("; after ")
                .append(Machine.uptime()).append('\n');
        Files.writeString(s.outDir().resolve("scale.md"), md.toString());
        System.out.println("\n" + md);
        BenchVsRsync.say("written: " + s.outDir().resolve("scale.md"));
    }

    private static String row(String what, double secs, long bytes, long wPeak, long sPeak) {
        return String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s |%n", what, Report.secs(secs), bytes,
                wPeak < 0 ? "" : (wPeak >> 20) + " MiB", sPeak < 0 ? "" : (sPeak >> 20) + " MiB");
    }
}
