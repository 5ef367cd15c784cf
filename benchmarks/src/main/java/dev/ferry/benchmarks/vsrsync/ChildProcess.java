package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process (a Ferry service, rsync) with its output in a log file. Every child still alive when the
 * benchmark exits, normally or not, is killed with its descendants by a shutdown hook.
 */
final class ChildProcess implements AutoCloseable {
    private static final Set<ChildProcess> LIVE = ConcurrentHashMap.newKeySet();
    private static final List<Runnable> AFTER_KILL = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LIVE.forEach(ChildProcess::kill);
            AFTER_KILL.forEach(Runnable::run);
        }, "bench-cleanup"));
    }

    /** Runs {@code cleanup} at exit after every child is dead (e.g. deleting the trees they wrote to). */
    static void atExit(Runnable cleanup) {
        AFTER_KILL.add(cleanup);
    }

    final String name;
    final Path log;
    private final Process process;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    static ChildProcess start(String name, List<String> command, Map<String, String> env, Path logDir) {
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.environment().remove("FERRY_TOKEN");
            pb.environment().remove("FERRY_STORE_URL");
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            ChildProcess p = new ChildProcess(name, pb.start(), log);
            LIVE.add(p);
            return p;
        } catch (IOException e) {
            throw new BenchException("cannot start " + name + " (" + String.join(" ", command) + "): " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself; kills it and throws when it takes longer than {@code timeout}. */
    int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
                throw new BenchException(name + " still running after " + timeout.toSeconds() + " s: killed\n" + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted waiting for " + name, e);
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** SIGTERM, then SIGKILL (descendants too) if it does not stop within {@code grace}. */
    void stop(Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
        LIVE.remove(this);
    }

    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop(Duration.ofSeconds(20));
        }
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    String logTail() {
        String all = logText();
        return "---- " + name + " log (" + log + "), tail ----\n"
                + (all.length() > 4000 ? all.substring(all.length() - 4000) : all);
    }

    /** Peak resident set size (VmHWM) in bytes, or -1 once the process is gone. */
    long peakRssBytes() {
        return procStatusKib("VmHWM:") * 1024;
    }

    /** Current resident set size (VmRSS) in bytes, or -1 once the process is gone. */
    long rssBytes() {
        return procStatusKib("VmRSS:") * 1024;
    }

    private long procStatusKib(String key) {
        return procStatusKib(pid(), key);
    }

    private static long procStatusKib(long pid, String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** User plus system CPU time used so far, in clock ticks (1/100 s on Linux), or -1 once gone. */
    long cpuTicks() {
        long[] t = cpuTicksOf(Long.toString(pid()));
        return t == null ? -1 : t[0] + t[1];
    }

    /**
     * CPU seconds (user + system) of this process and of its children it has reaped (rsync's daemon reaps the
     * process it forks per connection), or NaN once gone.
     */
    double cpuSecondsWithChildren() {
        long[] t = cpuTicksOf(Long.toString(pid()));
        return t == null ? Double.NaN : (t[0] + t[1] + t[2] + t[3]) / (double) CLOCK_TICKS;
    }

    /**
     * CPU seconds of this process and of every live descendant (each with its reaped children): for a program that
     * runs its work in a child it keeps alive, as Syncthing's monitor process does. NaN once gone.
     */
    double treeCpuSeconds() {
        double total = cpuSecondsWithChildren();
        for (ProcessHandle h : process.descendants().toList()) {
            long[] t = cpuTicksOf(Long.toString(h.pid()));
            if (t != null) {
                total += (t[0] + t[1] + t[2] + t[3]) / (double) CLOCK_TICKS;
            }
        }
        return total;
    }

    /** The sum of the peak RSS (VmHWM) of this process and its live descendants, bytes; -1 once gone. */
    long treePeakRssBytes() {
        long own = peakRssBytes();
        if (own < 0) {
            return -1;
        }
        long total = own;
        for (ProcessHandle h : process.descendants().toList()) {
            long kib = procStatusKib(h.pid(), "VmHWM:");
            total += Math.max(0, kib) * 1024;
        }
        return total;
    }

    /** Waits up to {@code max} until this process has no live child (rsync's daemon reaped its connection's). */
    void awaitNoChildren(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (process.children().findAny().isPresent() && System.nanoTime() < deadline) {
            Convergence.sleep(10);
        }
    }

    /**
     * CPU seconds of the benchmark's own children that it has reaped (utime + stime of every child that exited
     * and was waited for): the delta around one child's run is that child's CPU, when no other child exits then.
     */
    static double reapedChildrenCpuSeconds() {
        long[] t = cpuTicksOf("self");
        return t == null ? Double.NaN : (t[2] + t[3]) / (double) CLOCK_TICKS;
    }

    /** Clock ticks per second of /proc/PID/stat (USER_HZ: 100 on every Linux this runs on). */
    static final int CLOCK_TICKS = 100;

    /** utime, stime, cutime, cstime from /proc/PID/stat, or null. */
    private static long[] cpuTicksOf(String pid) {
        try {
            String stat = Files.readString(Path.of("/proc", pid, "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12]), Long.parseLong(f[13]), Long.parseLong(f[14])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
