package dev.ferry.benchmarks.vsrsync;

import dev.ferry.benchmarks.vsrsync.TreeComparison.Difference;
import dev.ferry.benchmarks.vsrsync.TreeComparison.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Ferry against rsync on loopback, same generated workloads, same byte-counting proxy, medians of repeats.
 * Run it through {@code scripts/bench-vs-rsync.sh}; every timing is defined in docs/PERFORMANCE.md.
 */
public final class BenchVsRsync {
    private final BenchSettings settings;
    private final Workload.Sizes sizes;
    private final Results results = new Results();
    private final TreeComparison comparison = new TreeComparison();
    /** Syncthing's DEST compared without its .stfolder and without folder mtimes, which it does not sync. */
    private final TreeComparison syncthingComparison = TreeComparison.forSyncthing();
    private final Path logs;
    private Path work;

    private BenchVsRsync(BenchSettings settings) {
        this.settings = settings;
        this.sizes = settings.sizes();
        this.logs = settings.outDir().resolve("logs");
    }

    public static void main(String[] args) {
        BenchSettings s;
        try {
            s = BenchSettings.parse(args);
        } catch (BenchSettings.HelpRequested e) {
            System.out.println(BenchSettings.USAGE);
            return;
        } catch (IllegalArgumentException e) {
            System.err.println("bench-vs-rsync: " + e.getMessage() + "\n" + BenchSettings.USAGE);
            System.exit(2);
            return;
        }
        int rc;
        try {
            BenchVsRsync bench = new BenchVsRsync(s);
            rc = s.scale() ? new ScaleRun(s).run() : bench.run();
        } catch (BenchException | IOException | UncheckedIOException e) {
            System.err.println("bench-vs-rsync: " + e.getMessage());
            rc = 1;
        }
        System.exit(rc);
    }

    private int run() throws IOException {
        Files.createDirectories(logs);
        work = workDir(settings, "ferry-bench-");
        Path w = work;
        if (!settings.keep()) {
            ChildProcess.atExit(() -> Workload.deleteTree(w));
        }
        requireSpace(work, settings.quick() ? 2 * Workload.GIB : 9 * Workload.GIB);
        if (settings.syncthing()) {
            SyncthingSide.requireInstalled();
        }
        Machine machine = Machine.describe(work, settings);
        say("Ferry vs rsync" + (settings.syncthing() ? " vs Syncthing" : "") + ": " + settings.repeats() + " repeats of cases " + settings.cases() + ", seed "
                + settings.seed() + (settings.quick() ? ", QUICK sizes" : "") + "; trees in " + work
                + "; results in " + settings.outDir());
        say(machine.summary());
        List<String> load = new ArrayList<>();
        try {
            for (int r = 1; r <= settings.repeats(); r++) {
                load.add("before repeat " + r + ": " + Machine.uptime());
                say("== repeat " + r + " of " + settings.repeats() + " (" + Machine.uptime() + ")");
                if (settings.cases().contains(1)) {
                    runScenario(r, "initial", this::initialScenario);
                }
                if (settings.cases().stream().anyMatch(c -> c >= 3 && c != 7)) {
                    runScenario(r, "continuous", this::continuousScenario);
                }
            }
            load.add("after the last repeat: " + Machine.uptime());
        } finally {
            if (!settings.keep()) {
                Workload.deleteTree(work);
            }
        }
        String md = markdown(machine, load);
        Files.writeString(settings.outDir().resolve("table.md"), md);
        Files.writeString(settings.outDir().resolve("raw.csv"), results.csv());
        System.out.println();
        System.out.println(md);
        say("written: " + settings.outDir().resolve("table.md") + " and raw.csv (every value of every repeat)");
        return results.failures().isEmpty() ? 0 : 1;
    }

    interface Scenario {
        void run(int repeat, Path root) throws IOException;
    }

    private void runScenario(int repeat, String name, Scenario scenario) {
        Path root = work.resolve("r" + repeat + "-" + name);
        try {
            scenario.run(repeat, root);
        } catch (BenchException | IOException | UncheckedIOException e) {
            String msg = "repeat " + repeat + ", " + name + " scenario aborted at case " + currentCase + ": " + e.getMessage();
            System.err.println("FAILED: " + msg);
            results.fail(currentCase, msg.length() > 3000 ? msg.substring(0, 3000) + " ..." : msg);
        } finally {
            if (!settings.keep()) {
                Workload.deleteTree(root);
            }
        }
    }

    private int currentCase;

    /** Cases 1, 2 and 7 on one source: the large files, then the small files added, then a restart over both. */
    private void initialScenario(int r, Path root) throws IOException {
        Path src = root.resolve("source");
        Path fdest = root.resolve("ferry-dest");
        Path rdest = root.resolve("rsync-dest");
        // Syncthing has its own copy of SOURCE: its marker .stfolder stays out of the others' source
        Path stsrc = root.resolve("syncthing-source");
        Path stdest = root.resolve("syncthing-dest");
        currentCase = 1;
        say("generating " + Report.size(sizes.largeTotal()) + " in " + sizes.largeFiles() + " files");
        Workload.largeTree(src.resolve("large"), settings.seed(), sizes);
        try (FerrySide ferry = new FerrySide(settings, fdest, root.resolve("watcher-state"), logs, "r" + r + "-initial");
             RsyncSide rsync = settings.rsync() ? new RsyncSide(rdest, root.resolve("rsyncd"), logs, "r" + r + "-initial") : null;
             SyncthingSide st = settings.syncthing() ? syncthingSide(src, stsrc, stdest, root, "r" + r + "-initial") : null) {
            ferry.startStore();
            ferryInitialSync(r, 1, ferry, src, fdest);
            rsyncRun(r, 1, rsync, src, rdest);
            syncthingColdSync(r, 1, st, stsrc, stdest);

            currentCase = 2;
            say("generating " + sizes.smallFiles() + " files of " + Report.size(sizes.smallFileBytes()));
            Workload.smallTree(src.resolve("small"), settings.seed(), sizes);
            if (st != null) {
                copyTree(src.resolve("small"), stsrc.resolve("small"));
            }
            ferryInitialSync(r, 2, ferry, src, fdest);
            rsyncRun(r, 2, rsync, src, rdest);
            syncthingColdSync(r, 2, st, stsrc, stdest);

            currentCase = 7;
            flushDisks();
            ferry.proxy.reset();
            double store0 = ferry.store().cpuSecondsWithChildren();
            double reaped0 = ChildProcess.reapedChildrenCpuSeconds();
            long t0 = System.nanoTime();
            ChildProcess once = ferry.startWatcher(src, true);
            int rc = once.awaitExit(settings.timeout());
            long t1 = System.nanoTime();
            double watcherCpu = ChildProcess.reapedChildrenCpuSeconds() - reaped0;
            if (rc != 0) {
                throw new BenchException("watcher --once exited with " + rc + "\n" + ferry.logs());
            }
            requireEqual(src, fdest, "Ferry after --once");
            settle(ferry.proxy);
            record(r, 7, "ferry", (t1 - t0) / 1e9, ferry.proxy);
            recordFerryCpu(r, 7, watcherCpu, ferry.store().cpuSecondsWithChildren() - store0);
            results.add(r, 7, "ferry", "jvmStartSeconds", ferry.watcherStartSeconds());
            recordDisk(r, 7, "ferry", src, List.of(fdest));
            rsyncRun(r, 7, rsync, src, rdest);
            syncthingRestart(r, st, stsrc, stdest);
        }
    }

    private SyncthingSide syncthingSide(Path src, Path stsrc, Path stdest, Path root, String tag) throws IOException {
        copyTree(src, stsrc);
        return new SyncthingSide(stsrc, stdest, root.resolve("syncthing"), logs, tag);
    }

    /**
     * Cases 1 and 2 for Syncthing: from starting both instances (their own start included, as the watcher's JVM
     * start is Ferry's) to DEST equal, then both stopped again; CPU of both since their start.
     */
    private void syncthingColdSync(int r, int c, SyncthingSide st, Path stsrc, Path stdest) {
        if (st == null) {
            return;
        }
        Map<String, Entry> expected = syncthingComparison.tree(stsrc);
        flushDisks();
        st.resetProxies();
        long t0 = System.nanoTime();
        st.start(settings.timeout());
        Convergence.Result res = Convergence.await(syncthingComparison, stsrc, stdest, expected, settings.timeout(),
                poll(expected.size()), st::checkAlive, st::logs);
        double secs = (res.equalAtNanos() - t0) / 1e9;
        syncthingIdle(st, c);
        recordSyncthing(r, c, st, secs, st.sourceCpu(), st.destCpu(), stsrc);
        if (c == 1) {
            results.add(r, 1, "syncthing", "sourcePeakRss", st.sourcePeakRss());
            results.add(r, 1, "syncthing", "destPeakRss", st.destPeakRss());
        }
        st.stop();
    }

    /**
     * Case 7 for Syncthing: both instances started over unchanged trees, timed until both have scanned since their
     * start, are idle and connected, and SOURCE's instance reports DEST 100% complete (its REST API), then DEST
     * compared; the instances are stopped again.
     */
    private void syncthingRestart(int r, SyncthingSide st, Path stsrc, Path stdest) {
        if (st == null) {
            return;
        }
        flushDisks();
        st.resetProxies();
        long t0 = System.nanoTime();
        st.start(settings.timeout());
        st.awaitInSyncAfterStart(settings.timeout());
        double secs = (System.nanoTime() - t0) / 1e9;
        requireEqual(syncthingComparison, stsrc, stdest, "Syncthing after a restart");
        syncthingIdle(st, 7);
        recordSyncthing(r, 7, st, secs, st.sourceCpu(), st.destCpu(), stsrc);
        st.stop();
    }

    /** Syncthing's figures of one case; {@code src} is its own copy of SOURCE (the disk ratios' reference). */
    private void recordSyncthing(int r, int c, SyncthingSide st, double secs, double sourceCpu, double destCpu, Path src) {
        results.add(r, c, "syncthing", "seconds", secs);
        results.add(r, c, "syncthing", "bytes", st.bytes());
        results.add(r, c, "syncthing", "up", st.sourceToDest());
        results.add(r, c, "syncthing", "down", st.destToSource());
        results.add(r, c, "syncthing", "sourceCpu", sourceCpu);
        results.add(r, c, "syncthing", "destCpu", destCpu);
        results.add(r, c, "syncthing", "cpu", sourceCpu + destCpu);
        say(String.format(Locale.ROOT, "[r%d case %d] syncthing %s, %s bytes (%,d to DEST, %,d back), CPU %.2f s "
                        + "(source %.2f, dest %.2f)", r, c, Report.secs(secs),
                Report.bytes(java.util.OptionalDouble.of(st.bytes())), st.sourceToDest(), st.destToSource(),
                sourceCpu + destCpu, sourceCpu, destCpu));
        recordDisk(r, c, "syncthing", src, st.destFootprint());
    }

    private void syncthingIdle(SyncthingSide st, int c) {
        if (!st.awaitIdle(Duration.ofSeconds(30))) {
            results.note("case " + c + ": Syncthing was not idle 30 s after DEST matched (bytes were read then)");
            say("  note: Syncthing not idle 30 s after DEST matched; going on");
        }
    }

    /**
     * Disk after a case: what the tool keeps on the receiving end ({@code roots}), du-like, beside the figures of
     * the SOURCE it synced at the same moment (for the ratios; Syncthing's is its own copy, with its .stfolder).
     */
    private void recordDisk(int r, int c, String tool, Path src, List<Path> roots) {
        DiskUsage d = DiskUsage.of(roots);
        DiskUsage s = DiskUsage.of(src);
        results.add(r, c, tool, "diskAllocated", d.allocatedBytes());
        results.add(r, c, tool, "diskApparent", d.apparentBytes());
        results.add(r, c, tool, "diskEntries", d.entries());
        results.add(r, c, tool, "sourceAllocated", s.allocatedBytes());
        results.add(r, c, tool, "sourceApparent", s.apparentBytes());
        results.add(r, c, tool, "sourceEntries", s.entries());
        say(String.format(Locale.ROOT, "[r%d case %d] %s disk: %.3fx SOURCE's allocated bytes, %.3fx apparent, "
                        + "%,d entries against %,d", r, c, tool, (double) d.allocatedBytes() / s.allocatedBytes(),
                (double) d.apparentBytes() / s.apparentBytes(), d.entries(), s.entries()));
    }

    private void ferryInitialSync(int r, int c, FerrySide ferry, Path src, Path fdest) {
        Map<String, Entry> expected = TreeComparison.snapshot(src);
        flushDisks();
        ferry.proxy.reset();
        double store0 = ferry.store().cpuSecondsWithChildren();
        long t0 = System.nanoTime();
        ChildProcess w = ferry.startWatcher(src, false);
        Convergence.Result res = Convergence.await(comparison, src, fdest, expected, settings.timeout(),
                poll(expected.size()), () -> alive(ferry, w), ferry::logs);
        double secs = (res.equalAtNanos() - t0) / 1e9;
        idle(ferry, c);
        record(r, c, "ferry", secs, ferry.proxy);
        recordFerryCpu(r, c, w.cpuSecondsWithChildren(), ferry.store().cpuSecondsWithChildren() - store0);
        results.add(r, c, "ferry", "jvmStartSeconds", ferry.watcherStartSeconds());
        if (c == 1) {
            results.add(r, 1, "ferry", "watcherPeakRss", w.peakRssBytes());
            results.add(r, 1, "ferry", "storePeakRss", ferry.store().peakRssBytes());
            say(String.format(Locale.ROOT, "  peak RSS during case 1: watcher %d MiB, store %d MiB",
                    w.peakRssBytes() >> 20, ferry.store().peakRssBytes() >> 20));
        }
        recordDisk(r, c, "ferry", src, List.of(fdest));
        ferry.stopWatcher();
    }

    /** A change to SOURCE: prepared untimed (staging files written) for a given source root, then timed. */
    interface Change {
        Runnable prepare(Path source, Path staging) throws IOException;
    }

    /** Cases 3-6, 9 and 8 on one source with a big file, the watcher running throughout. */
    private void continuousScenario(int r, Path root) throws IOException {
        Path src = root.resolve("source");
        Path fdest = root.resolve("ferry-dest");
        Path rdest = root.resolve("rsync-dest");
        Path stsrc = root.resolve("syncthing-source");
        Path stdest = root.resolve("syncthing-dest");
        Path staging = root.resolve("staging");
        Path ststaging = root.resolve("syncthing-staging");
        Files.createDirectories(staging);
        Files.createDirectories(ststaging);
        currentCase = 3;
        say("generating a " + Report.size(sizes.bigFileBytes()) + " file and " + sizes.folderFiles() + " files of "
                + Report.size(sizes.folderFileBytes()));
        Workload.continuousTree(src, settings.seed(), sizes);
        try (FerrySide ferry = new FerrySide(settings, fdest, root.resolve("watcher-state"), logs, "r" + r + "-continuous");
             RsyncSide rsync = settings.rsync() ? new RsyncSide(rdest, root.resolve("rsyncd"), logs, "r" + r + "-continuous") : null;
             SyncthingSide st = settings.syncthing() ? syncthingSide(src, stsrc, stdest, root, "r" + r + "-continuous") : null) {
            ferry.startStore();
            ChildProcess w = ferry.startWatcher(src, false);
            long t0 = System.nanoTime();
            Map<String, Entry> expected = TreeComparison.snapshot(src);
            Convergence.await(comparison, src, fdest, expected, settings.timeout(), poll(expected.size()),
                    () -> alive(ferry, w), ferry::logs);
            say(String.format(Locale.ROOT, "  setup: Ferry synced the starting tree in %.1f s (not a case)", (System.nanoTime() - t0) / 1e9));
            idle(ferry, 0);
            if (rsync != null) {
                RsyncSide.Run run = rsync.sync(src, settings.timeout());
                requireEqual(src, rdest, "rsync setup");
                say(String.format(Locale.ROOT, "  setup: rsync synced it in %.1f s (not a case)", run.seconds()));
            }
            if (st != null) {
                long s0 = System.nanoTime();
                st.start(settings.timeout());
                Map<String, Entry> stExpected = syncthingComparison.tree(stsrc);
                Convergence.await(syncthingComparison, stsrc, stdest, stExpected, settings.timeout(),
                        poll(stExpected.size()), st::checkAlive, st::logs);
                syncthingIdle(st, 0);
                say(String.format(Locale.ROOT, "  setup: Syncthing synced it in %.1f s (not a case; its instances "
                        + "keep running, idle, while the others are measured)", (System.nanoTime() - s0) / 1e9));
            }
            Sides sides = new Sides(ferry, w, rsync, st, src, fdest, rdest, stsrc, stdest, staging, ststaging);
            String big = "big.bin";
            if (settings.cases().contains(3)) {
                currentCase = 3;
                long at = sizes.bigFileBytes() / 2 - sizes.overwriteBytes() / 2;
                String file = big;
                change(r, 3, sides, (s, stage) -> () -> Workload.overwrite(s.resolve(file), at,
                        sizes.overwriteBytes(), Workload.seedFor(settings.seed(), "overwrite", r)));
            }
            if (settings.cases().contains(4)) {
                currentCase = 4;
                String file = big;
                change(r, 4, sides, (s, stage) -> {
                    Path next = stage.resolve("big.next");
                    Workload.splice(s.resolve(file), sizes.insertAt(), sizes.insertBytes(),
                            Workload.seedFor(settings.seed(), "insert", r), sizes.insertAt(), next);
                    return () -> move(next, s.resolve(file));
                });
            }
            if (settings.cases().contains(5)) {
                currentCase = 5;
                String file = big;
                change(r, 5, sides, (s, stage) -> () -> {
                    move(s.resolve(file), s.resolve("big-renamed.bin"));
                    move(s.resolve("folder"), s.resolve("archive").resolve("folder"));
                });
                big = "big-renamed.bin";
            }
            if (settings.cases().contains(6)) {
                currentCase = 6;
                String file = big;
                change(r, 6, sides, (s, stage) -> {
                    Path copy = stage.resolve("copy");
                    long size = Files.size(s.resolve(file));
                    Workload.splice(s.resolve(file), size, 0, 0, size, copy);
                    return () -> move(copy, s.resolve("big-copy.bin"));
                });
            }
            if (settings.cases().contains(9)) {
                currentCase = 9;
                String file = big;
                change(r, 9, sides, (s, stage) -> {
                    Path next = stage.resolve("new");
                    long size = Files.size(s.resolve(file));
                    Workload.splice(s.resolve(file), sizes.sharedBytes(), sizes.newFileBytes() - sizes.sharedBytes(),
                            Workload.seedFor(settings.seed(), "new", r), size, next);
                    return () -> move(next, s.resolve("new-file.bin"));
                });
            }
            if (settings.cases().contains(8)) {
                currentCase = 8;
                latency(r, ferry, w, rsync, src, fdest, rdest);
                syncthingLatency(r, st, stsrc, stdest);
            }
        }
    }

    /** Everything the continuous cases touch, per side. */
    record Sides(FerrySide ferry, ChildProcess watcher, RsyncSide rsync, SyncthingSide syncthing, Path src,
                 Path fdest, Path rdest, Path stsrc, Path stdest, Path staging, Path ststaging) {
    }

    /** One continuous case: Ferry, then rsync, then Syncthing (each on its own source copy, one after another). */
    private void change(int r, int c, Sides x, Change change) throws IOException {
        FerrySide ferry = x.ferry();
        ChildProcess w = x.watcher();
        Runnable act = change.prepare(x.src(), x.staging());
        flushDisks();
        ferry.proxy.reset();
        double store0 = ferry.store().cpuSecondsWithChildren();
        double watcher0 = w.cpuSecondsWithChildren();
        long t0 = System.nanoTime();
        act.run();
        Map<String, Entry> expected = TreeComparison.snapshot(x.src());
        Convergence.Result res = Convergence.await(comparison, x.src(), x.fdest(), expected, settings.timeout(),
                poll(expected.size()), () -> alive(ferry, w), ferry::logs);
        double secs = (res.equalAtNanos() - t0) / 1e9;
        idle(ferry, c);
        record(r, c, "ferry", secs, ferry.proxy);
        recordFerryCpu(r, c, w.cpuSecondsWithChildren() - watcher0, ferry.store().cpuSecondsWithChildren() - store0);
        recordDisk(r, c, "ferry", x.src(), List.of(x.fdest()));
        rsyncRun(r, c, x.rsync(), x.src(), x.rdest());
        SyncthingSide st = x.syncthing();
        if (st == null) {
            return;
        }
        Runnable stAct = change.prepare(x.stsrc(), x.ststaging());
        flushDisks();
        st.resetProxies();
        double s0 = st.sourceCpu();
        double d0 = st.destCpu();
        long t1 = System.nanoTime();
        stAct.run();
        Map<String, Entry> stExpected = syncthingComparison.tree(x.stsrc());
        Convergence.Result stRes = Convergence.await(syncthingComparison, x.stsrc(), x.stdest(), stExpected,
                settings.timeout(), poll(stExpected.size()), st::checkAlive, st::logs);
        double stSecs = (stRes.equalAtNanos() - t1) / 1e9;
        syncthingIdle(st, c);
        recordSyncthing(r, c, st, stSecs, st.sourceCpu() - s0, st.destCpu() - d0, x.stsrc());
    }

    private void latency(int r, FerrySide ferry, ChildProcess w, RsyncSide rsync, Path src, Path fdest, Path rdest)
            throws IOException {
        int n = settings.latencySamples();
        List<Double> ferryMs = new ArrayList<>();
        ferry.proxy.reset();
        for (int i = 0; i < n; i++) {
            byte[] content = randomBytes(Workload.seedFor(settings.seed(), "latency-ferry", r * 1000L + i));
            Path f = src.resolve("lat").resolve("ferry-" + i + ".txt");
            Path d = fdest.resolve("lat").resolve("ferry-" + i + ".txt");
            ferryMs.add(writeAndAwait(f, d, content, "DEST", () -> alive(ferry, w), ferry::logs));
            settle(ferry.proxy);
        }
        idle(ferry, 8);
        requireEqual(src, fdest, "Ferry after the latency files");
        recordDisk(r, 8, "ferry", src, List.of(fdest));
        results.add(r, 8, "ferry", "p50ms", Results.percentile(ferryMs, 50));
        results.add(r, 8, "ferry", "p95ms", Results.percentile(ferryMs, 95));
        results.add(r, 8, "ferry", "bytes", (double) ferry.proxy.total() / n);
        ferryMs.forEach(ms -> results.add(r, 8, "ferry", "sampleMs", ms));
        say(String.format(Locale.ROOT, "[r%d case 8] ferry p50 %.0f ms, p95 %.0f ms, %s bytes per file", r,
                Results.percentile(ferryMs, 50), Results.percentile(ferryMs, 95),
                Report.bytes(java.util.OptionalDouble.of((double) ferry.proxy.total() / n))));
        ferry.stopWatcher(); // rsync's files must not make Ferry work meanwhile
        if (rsync == null) {
            return;
        }
        List<Double> rsyncMs = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < n; i++) {
            byte[] content = randomBytes(Workload.seedFor(settings.seed(), "latency-rsync", r * 1000L + i));
            Path f = src.resolve("lat").resolve("rsync-" + i + ".txt");
            long t0 = System.nanoTime();
            Files.write(f, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            rsync.sync(src, settings.timeout());
            rsyncMs.add((System.nanoTime() - t0) / 1e6);
            bytes += rsync.proxy.total();
        }
        requireEqual(src, rdest, "rsync after the latency files");
        recordDisk(r, 8, "rsync", src, List.of(rdest));
        results.add(r, 8, "rsync", "p50ms", Results.percentile(rsyncMs, 50));
        results.add(r, 8, "rsync", "p95ms", Results.percentile(rsyncMs, 95));
        results.add(r, 8, "rsync", "bytes", (double) bytes / n);
        rsyncMs.forEach(ms -> results.add(r, 8, "rsync", "sampleMs", ms));
        say(String.format(Locale.ROOT, "[r%d case 8] rsync p50 %.0f ms, p95 %.0f ms", r,
                Results.percentile(rsyncMs, 50), Results.percentile(rsyncMs, 95)));
    }

    /**
     * Writes {@code content} as the new file {@code f} and polls every 1 ms until {@code d} is its complete copy (type,
     * size, mode, mtime, bytes), running {@code alive} (throws when the side died) between polls: the milliseconds from
     * the write to that.
     */
    private static double writeAndAwait(Path f, Path d, byte[] content, String where, Runnable alive,
            java.util.function.Supplier<String> logs) throws IOException {
        long t0 = System.nanoTime();
        Files.write(f, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Entry expected = TreeComparison.stat(f);
        long deadline = t0 + Duration.ofSeconds(60).toNanos();
        while (!complete(d, expected, content)) {
            if (System.nanoTime() > deadline) {
                throw new BenchException("new file " + f + " not in " + where + " after 60 s\n" + logs.get());
            }
            alive.run();
            Convergence.sleep(1);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    /**
     * Case 8 for Syncthing: the same 30 new files, written into its copy of SOURCE while its instances run, each
     * timed from its write to the complete file in DEST (type, size, mode, mtime, bytes), polled every 1 ms.
     */
    private void syncthingLatency(int r, SyncthingSide st, Path stsrc, Path stdest) throws IOException {
        if (st == null) {
            return;
        }
        int n = settings.latencySamples();
        List<Double> ms = new ArrayList<>();
        st.resetProxies();
        for (int i = 0; i < n; i++) {
            byte[] content = randomBytes(Workload.seedFor(settings.seed(), "latency-syncthing", r * 1000L + i));
            Path f = stsrc.resolve("lat").resolve("syncthing-" + i + ".txt");
            Path d = stdest.resolve("lat").resolve("syncthing-" + i + ".txt");
            ms.add(writeAndAwait(f, d, content, "Syncthing's DEST", st::checkAlive, st::logs));
            settle(st.toDest);
        }
        syncthingIdle(st, 8);
        requireEqual(syncthingComparison, stsrc, stdest, "Syncthing after the latency files");
        results.add(r, 8, "syncthing", "p50ms", Results.percentile(ms, 50));
        results.add(r, 8, "syncthing", "p95ms", Results.percentile(ms, 95));
        results.add(r, 8, "syncthing", "bytes", (double) st.bytes() / n);
        ms.forEach(v -> results.add(r, 8, "syncthing", "sampleMs", v));
        recordDisk(r, 8, "syncthing", stsrc, st.destFootprint());
        say(String.format(Locale.ROOT, "[r%d case 8] syncthing p50 %.0f ms, p95 %.0f ms", r,
                Results.percentile(ms, 50), Results.percentile(ms, 95)));
    }

    private byte[] randomBytes(long seed) {
        byte[] b = new byte[(int) sizes.latencyFileBytes()];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    private static boolean complete(Path d, Entry expected, byte[] content) {
        if (!expected.equals(TreeComparison.stat(d))) {
            return false;
        }
        try {
            return Arrays.equals(Files.readAllBytes(d), content);
        } catch (IOException e) {
            return false;
        }
    }

    private void rsyncRun(int r, int c, RsyncSide rsync, Path src, Path rdest) {
        if (rsync == null) {
            return;
        }
        flushDisks();
        RsyncSide.Run run = rsync.sync(src, settings.timeout());
        requireEqual(src, rdest, "rsync, case " + c);
        recordDisk(r, c, "rsync", src, List.of(rdest));
        results.add(r, c, "rsync", "seconds", run.seconds());
        results.add(r, c, "rsync", "bytes", run.bytes());
        results.add(r, c, "rsync", "up", run.up());
        results.add(r, c, "rsync", "down", run.down());
        results.add(r, c, "rsync", "clientCpu", run.clientCpu());
        results.add(r, c, "rsync", "daemonCpu", run.daemonCpu());
        results.add(r, c, "rsync", "cpu", run.clientCpu() + run.daemonCpu());
        say(String.format(Locale.ROOT, "[r%d case %d] rsync %s, %s bytes, CPU %.2f s (client %.2f, daemon %.2f)", r, c,
                Report.secs(run.seconds()), Report.bytes(java.util.OptionalDouble.of(run.bytes())),
                run.clientCpu() + run.daemonCpu(), run.clientCpu(), run.daemonCpu()));
    }

    /**
     * CPU seconds (user + system, from /proc) Ferry's two processes spent on case {@code c}: the watcher's since
     * its start for the cold cases (JVM start included), else since just before the change; the store's since
     * just before the case. Both up to the moment they were idle again.
     */
    private void recordFerryCpu(int r, int c, double watcher, double store) {
        results.add(r, c, "ferry", "watcherCpu", watcher);
        results.add(r, c, "ferry", "storeCpu", store);
        results.add(r, c, "ferry", "cpu", watcher + store);
        say(String.format(Locale.ROOT, "[r%d case %d] ferry CPU %.2f s (watcher %.2f, store %.2f)", r, c,
                watcher + store, watcher, store));
    }

    private void record(int r, int c, String tool, double secs, CountingProxy proxy) {
        results.add(r, c, tool, "seconds", secs);
        results.add(r, c, tool, "bytes", proxy.total());
        results.add(r, c, tool, "up", proxy.upstream());
        results.add(r, c, tool, "down", proxy.downstream());
        say(String.format(Locale.ROOT, "[r%d case %d] %s %s, %s bytes (%,d up, %,d down)", r, c, tool,
                Report.secs(secs), Report.bytes(java.util.OptionalDouble.of(proxy.total())), proxy.upstream(),
                proxy.downstream()));
    }

    private void requireEqual(Path src, Path dest, String what) {
        requireEqual(comparison, src, dest, what);
    }

    private static void requireEqual(TreeComparison comparison, Path src, Path dest, String what) {
        List<Difference> diffs = comparison.fullDifferences(src, dest);
        if (!diffs.isEmpty()) {
            throw new BenchException(what + ": DEST differs from SOURCE in " + diffs.size() + " paths, e.g. "
                    + diffs.subList(0, Math.min(10, diffs.size())));
        }
    }

    private void idle(FerrySide ferry, int c) {
        if (!ferry.awaitIdle(Duration.ofSeconds(30))) {
            results.note("case " + c + ": Ferry was not idle 30 s after DEST matched (bytes were read then)");
            say("  note: Ferry not idle 30 s after DEST matched; going on");
        }
    }

    /** Waits until the proxy has counted nothing for 300 ms (at most 10 s): trailing acknowledgements included. */
    private static void settle(CountingProxy proxy) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long last = proxy.total();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            Convergence.sleep(20);
            long now = proxy.total();
            if (now != last) {
                last = now;
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= 300_000_000L) {
                return;
            }
        }
    }

    private static void alive(FerrySide ferry, ChildProcess w) {
        ferry.checkAlive();
        if (!w.isAlive()) {
            throw new BenchException("the Ferry watcher exited\n" + ferry.logs());
        }
    }

    static Duration poll(int entries) {
        return Duration.ofMillis(entries < 5_000 ? 20 : entries < 200_000 ? 100 : 5_000);
    }

    private static void move(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code cp -a}: a copy of a tree with its modes and mtimes, for a side that needs its own SOURCE. */
    static void copyTree(Path from, Path to) {
        try {
            Files.createDirectories(to.getParent());
            Process p = new ProcessBuilder("cp", "-a", "--reflink=auto", from.toString(), to.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new BenchException("cp -a " + from + " " + to + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    /** {@code sync}: no tool pays for the other's (or the generator's) dirty pages. */
    static void flushDisks() {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Path workDir(BenchSettings s, String prefix) throws IOException {
        if (s.workDir() != null) {
            Files.createDirectories(s.workDir());
            return Files.createTempDirectory(s.workDir(), prefix);
        }
        return Files.createTempDirectory(prefix);
    }

    static void requireSpace(Path dir, long bytes) throws IOException {
        long free = Files.getFileStore(dir).getUsableSpace();
        if (free < bytes) {
            throw new BenchException(dir + " has " + (free >> 30) + " GiB free; this run needs about "
                    + (bytes >> 30) + " GiB (pick another place with --workdir)");
        }
    }

    private String markdown(Machine machine, List<String> load) {
        StringBuilder sb = new StringBuilder();
        sb.append(settings.syncthing() ? "Ferry vs rsync vs Syncthing, " : "Ferry vs rsync, ").append(Instant.now()).append(", commit ").append(settings.commit())
                .append(settings.quick() ? " (QUICK sizes: not the issue's cases)" : "").append("\n\n");
        sb.append("Medians of ").append(settings.repeats()).append(" repeats (time: min–max in brackets); bytes are "
                + "payload bytes through our proxy in both directions. Seed ").append(settings.seed()).append(".\n\n");
        sb.append(Report.table(results, settings)).append('\n');
        sb.append(Report.cpuTable(results, settings)).append('\n');
        sb.append(Report.diskTable(results, settings)).append('\n');
        if (settings.syncthing()) {
            sb.append("Syncthing: compared without its `.stfolder` (and `.stversions`) in SOURCE and DEST and without "
                    + "folders' mtimes, which Syncthing does not set in DEST (a Syncthing limitation, not a harness "
                    + "failure: every other attribute and every byte is compared). Its disk figures count DEST "
                    + "(with `.stfolder`) and the DEST instance's index database.\n");
            List<Double> ss = results.series(1, "syncthing", "sourcePeakRss");
            List<Double> ds = results.series(1, "syncthing", "destPeakRss");
            if (!ss.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "Syncthing peak RSS during case 1, median: source %.0f MiB, "
                                + "dest %.0f MiB.%n", Results.median(ss).getAsDouble() / Workload.MIB,
                        Results.median(ds).getAsDouble() / Workload.MIB));
            }
        }
        List<Double> wr = results.series(1, "ferry", "watcherPeakRss");
        List<Double> sr = results.series(1, "ferry", "storePeakRss");
        if (!wr.isEmpty()) {
            sb.append(String.format(Locale.ROOT, "Peak RSS (VmHWM) during case 1, median: watcher %.0f MiB (`%s`), "
                            + "store %.0f MiB (`%s`); target ≤ 300 MiB each: %s.%n",
                    Results.median(wr).getAsDouble() / Workload.MIB, String.join(" ", settings.watcherJvm()),
                    Results.median(sr).getAsDouble() / Workload.MIB, String.join(" ", settings.storeJvm()),
                    Results.median(wr).getAsDouble() <= 300 * Workload.MIB
                            && Results.median(sr).getAsDouble() <= 300 * Workload.MIB ? "met" : "**missed**"));
        }
        for (int c : List.of(1, 2, 7)) {
            List<Double> js = results.series(c, "ferry", "jvmStartSeconds");
            if (!js.isEmpty()) {
                sb.append(String.format(Locale.ROOT, "Case %d: the watcher's own start (Quarkus \"started in\") took "
                        + "%.2f s of Ferry's time (median).%n", c, Results.median(js).getAsDouble()));
            }
        }
        sb.append("\n").append(machine.markdown());
        sb.append("\nLoad (`uptime`): ").append(String.join("; ", load)).append("\n");
        if (!results.notes().isEmpty()) {
            sb.append("\nNotes:\n");
            results.notes().forEach(n -> sb.append("- ").append(n).append('\n'));
        }
        if (!results.failures().isEmpty()) {
            sb.append("\nFailures:\n");
            results.failures().forEach((c, ms) -> ms.forEach(m -> sb.append("- case ").append(c).append(": ")
                    .append(m.replace("\n", "\n  ")).append('\n')));
        }
        return sb.toString();
    }

    static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
