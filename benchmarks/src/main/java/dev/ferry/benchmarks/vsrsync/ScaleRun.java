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
 * over it with nothing changed, and the same two with rsync and with Syncthing (its own copy of the tree, both
 * instances started cold for each); time, bytes, the peak RSS of each side's processes, and the disk each keeps.
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
        BenchVsRsync.requireSpace(work, (long) s.scaleFiles() * perFile * (3 + (s.rsync() ? 1 : 0)
                + (s.syncthing() ? 2 : 0)) + Workload.GIB);
        if (s.syncthing()) {
            SyncthingSide.requireInstalled();
        }
        Machine machine = Machine.describe(work, s);
        BenchVsRsync.say("scale run: " + String.format(Locale.ROOT, "%,d", s.scaleFiles()) + " files of "
                + s.scaleFileBytes() + " B in " + work + "\n" + machine.summary());
        StringBuilder md = new StringBuilder();
        String loadBefore = Machine.uptime();
        TreeComparison cmp = new TreeComparison();
        Path src = work.resolve("source");
        Path fdest = work.resolve("ferry-dest");
        Path rdest = work.resolve("rsync-dest");
        StringBuilder disk = new StringBuilder();
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
                disk.append(diskLine("Ferry (the store's folder: mirror and .ferry)", src, java.util.List.of(fdest)));
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
                    disk.append(diskLine("rsync (DEST)", src, java.util.List.of(rdest)));
                }
            }
            if (s.syncthing()) {
                md.insert(md.indexOf("\nPeak RSS"), syncthing(src, work, disk));
            }
            md.append("\nDisk after the runs, against SOURCE (allocated bytes, du / apparent bytes / entries):\n\n")
                    .append(disk);
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

    /**
     * Syncthing over the same tree (its own copy): both instances started cold until DEST equals SOURCE, stopped,
     * started again over the unchanged trees until they report in sync. Rows for the table; RSS columns are the
     * SOURCE and DEST instances'.
     */
    private String syncthing(Path src, Path work, StringBuilder disk) throws IOException {
        Path stsrc = work.resolve("syncthing-source");
        Path stdest = work.resolve("syncthing-dest");
        long c0 = System.nanoTime();
        BenchVsRsync.copyTree(src, stsrc);
        BenchVsRsync.say(String.format(Locale.ROOT, "copied the tree for Syncthing in %.0f s", (System.nanoTime() - c0) / 1e9));
        TreeComparison cmp = TreeComparison.forSyncthing();
        Map<String, Entry> expected = cmp.tree(stsrc);
        StringBuilder rows = new StringBuilder();
        try (SyncthingSide st = new SyncthingSide(stsrc, stdest, work.resolve("syncthing"), logs, "scale")) {
            BenchVsRsync.flushDisks();
            long t0 = System.nanoTime();
            st.start(s.timeout());
            Convergence.Result res = Convergence.await(cmp, stsrc, stdest, expected, s.timeout(),
                    BenchVsRsync.poll(expected.size()), st::checkAlive, st::logs);
            double secs = (res.equalAtNanos() - t0) / 1e9;
            st.awaitIdle(Duration.ofSeconds(60));
            rows.append(row("Syncthing initial sync (both instances started cold; RSS: source / dest instance)", secs,
                    st.bytes(), st.sourcePeakRss(), st.destPeakRss()));
            BenchVsRsync.say(String.format(Locale.ROOT, "Syncthing initial sync: %.1f s, %,d bytes", secs, st.bytes()));
            st.stop();
            BenchVsRsync.flushDisks();
            st.resetProxies();
            long t1 = System.nanoTime();
            st.start(s.timeout());
            st.awaitInSyncAfterStart(s.timeout());
            double again = (System.nanoTime() - t1) / 1e9;
            rows.append(row("Syncthing restart, nothing changed (until both report in sync)", again, st.bytes(),
                    st.sourcePeakRss(), st.destPeakRss()));
            BenchVsRsync.say(String.format(Locale.ROOT, "Syncthing restart: %.1f s", again));
            st.stop();
            disk.append(diskLine("Syncthing (DEST with .stfolder, and the DEST instance's database)", src,
                    st.destFootprint()));
        }
        return rows.toString();
    }

    private static String diskLine(String who, Path src, java.util.List<Path> roots) {
        DiskUsage d = DiskUsage.of(roots);
        DiskUsage so = DiskUsage.of(src);
        return String.format(Locale.ROOT, "- %s: %.3fx / %.3fx / %.4fx (%,d entries against %,d)%n", who,
                (double) d.allocatedBytes() / so.allocatedBytes(), (double) d.apparentBytes() / so.apparentBytes(),
                (double) d.entries() / so.entries(), d.entries(), so.entries());
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
