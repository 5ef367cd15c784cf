package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real packaged Ferry store and watcher as child processes, the watcher talking to the store through a proxy. */
final class FerrySide implements AutoCloseable {
    private static final Pattern STARTED = Pattern.compile("started in ([0-9.]+)s");

    private final BenchSettings settings;
    private final Path dest;
    private final Path stateDir;
    private final Path logDir;
    private final String tag;
    private ChildProcess store;
    private ChildProcess watcher;
    private int watcherRuns;
    /** Extra environment of the watchers this side starts (e.g. FERRY_WATCHER_COMPRESS). */
    private final Map<String, String> watcherEnv = new java.util.HashMap<>();
    CountingProxy proxy;

    FerrySide(BenchSettings settings, Path dest, Path stateDir, Path logDir, String tag) {
        this.settings = settings;
        this.dest = dest;
        this.stateDir = stateDir;
        this.logDir = logDir;
        this.tag = tag;
    }

    void startStore() throws IOException {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.java());
        cmd.addAll(settings.storeJvm());
        cmd.addAll(List.of("-jar", settings.storeJar().toString(), dest.toString()));
        store = ChildProcess.start(tag + "-store", cmd, Map.of("QUARKUS_HTTP_PORT", Integer.toString(port),
                "QUARKUS_HTTP_HOST", "127.0.0.1"), logDir);
        awaitReady(store, port, Duration.ofSeconds(120));
        proxy = new CountingProxy(tag + "-proxy", port);
    }

    /** Starts a watcher of {@code source}; {@code once} adds --once. */
    ChildProcess startWatcher(Path source, boolean once) {
        if (watcher != null && watcher.isAlive()) {
            throw new IllegalStateException("a watcher is already running");
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(settings.java());
        cmd.addAll(settings.watcherJvm());
        cmd.addAll(List.of("-jar", settings.watcherJar().toString(), source.toString(), "--store",
                "http://127.0.0.1:" + proxy.port()));
        if (once) {
            cmd.add("--once");
        }
        Map<String, String> env = new java.util.HashMap<>(watcherEnv);
        env.putAll(Map.of("QUARKUS_HTTP_PORT", Integer.toString(freePort()), "QUARKUS_HTTP_HOST", "127.0.0.1",
                "FERRY_WATCHER_STATE_DIR", stateDir.toString()));
        watcher = ChildProcess.start(tag + "-watcher-" + (++watcherRuns) + (once ? "-once" : ""), cmd, env, logDir);
        return watcher;
    }

    /** Sets an environment variable of the watchers started from now on. */
    void watcherEnv(String name, String value) {
        watcherEnv.put(name, value);
    }

    ChildProcess store() {
        return store;
    }

    ChildProcess watcher() {
        return watcher;
    }

    /** The watcher's own "started in X s" (Quarkus start, after JVM start), or NaN when not logged yet. */
    double watcherStartSeconds() {
        Matcher m = STARTED.matcher(watcher == null ? "" : watcher.logText());
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    void stopWatcher() {
        if (watcher != null) {
            watcher.stop(Duration.ofSeconds(30));
        }
    }

    /** The logs of both sides, for error messages. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        if (store != null) {
            sb.append(store.logTail()).append('\n');
        }
        if (watcher != null) {
            sb.append(watcher.logTail()).append('\n');
        }
        return sb.toString();
    }

    /** Fails at once when the store or a continuous watcher died. */
    void checkAlive() {
        if (store != null && !store.isAlive()) {
            throw new BenchException("the Ferry store exited\n" + logs());
        }
    }

    /**
     * Waits until both processes are idle (under 3% of a core over two 0.5 s windows) and the proxy counted no
     * byte in those windows, at most {@code max}; returns false when they never settled.
     */
    boolean awaitIdle(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        int quiet = 0;
        long bytes = proxy.total();
        long sCpu = store.cpuTicks();
        long wCpu = watcher != null && watcher.isAlive() ? watcher.cpuTicks() : -1;
        while (System.nanoTime() < deadline) {
            Convergence.sleep(500);
            long b = proxy.total();
            long s = store.cpuTicks();
            long w = watcher != null && watcher.isAlive() ? watcher.cpuTicks() : -1;
            boolean idle = b == bytes && s - sCpu <= 1 && (w < 0 || w - wCpu <= 1);
            quiet = idle ? quiet + 1 : 0;
            if (quiet >= 2) {
                return true;
            }
            bytes = b;
            sCpu = s;
            wCpu = w;
        }
        return false;
    }

    static int freePort() {
        for (int i = 0; i < 50; i++) {
            try (ServerSocket s = new ServerSocket(0)) {
                int p = s.getLocalPort();
                if (p != 9181 && p != 9182) {
                    return p;
                }
            } catch (IOException e) {
                throw new BenchException("no free port: " + e.getMessage(), e);
            }
        }
        throw new BenchException("no free port");
    }

    private static void awaitReady(ChildProcess p, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new BenchException(p.name + " exited before it was ready\n" + p.logTail());
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/q/health/ready")
                        .toURL().openConnection();
                c.setConnectTimeout(1000);
                c.setReadTimeout(2000);
                int code = c.getResponseCode();
                c.disconnect();
                if (code == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Convergence.sleep(100);
        }
        throw new BenchException(p.name + " not ready after " + timeout.toSeconds() + " s\n" + p.logTail());
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        if (store != null) {
            store.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }
}
