package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * rsync as a user would run it against a server: {@code rsync --daemon} on a free loopback port with one module
 * for DEST, and one {@code rsync -a --delete --modify-window=-1 SOURCE/ rsync://127.0.0.1:PORT/mod/} per sync,
 * through our proxy. {@code --modify-window=-1} makes rsync compare mtimes to the nanosecond as Ferry does: with
 * its default (whole seconds) a file added to a folder in the same second as the folder's last change leaves the
 * folder's mtime wrong in DEST for good, and the mirror never equals the source.
 */
final class RsyncSide implements AutoCloseable {
    private final Path logDir;
    private final String tag;
    private final ChildProcess daemon;
    private int runs;
    final CountingProxy proxy;

    /**
     * One client run: wall-clock seconds from starting the client to its exit, the bytes the proxy counted, and
     * the CPU seconds (user + system) of the client and of the daemon with the processes it forked for the run.
     */
    record Run(double seconds, long up, long down, double clientCpu, double daemonCpu) {
        long bytes() {
            return up + down;
        }
    }

    RsyncSide(Path dest, Path workDir, Path logDir, String tag) throws IOException {
        this.logDir = logDir;
        this.tag = tag;
        Files.createDirectories(dest);
        Files.createDirectories(workDir);
        int port = FerrySide.freePort();
        Path conf = workDir.resolve("rsyncd.conf");
        Files.writeString(conf, String.join("\n",
                "pid file = " + workDir.resolve("rsyncd.pid"),
                // Without a chroot rsyncd rewrites symlinks (prefixes or strips "../" from their targets); chroot
                // needs root: elsewhere, trees with links leaving their folder do not arrive as Ferry keeps them.
                "use chroot = " + ("0".equals(uid()) ? "yes" : "false"),
                "munge symlinks = no",
                "log file = " + logDir.resolve(tag + "-rsyncd-transfers.log"),
                "[mod]",
                "    path = " + dest,
                "    read only = false",
                "    uid = " + uid(),
                "    gid = " + gid(),
                ""));
        daemon = ChildProcess.start(tag + "-rsyncd", List.of("rsync", "--daemon", "--no-detach", "--config=" + conf,
                "--port=" + port, "--address=127.0.0.1"), Map.of(), logDir);
        awaitListening(port, Duration.ofSeconds(30));
        proxy = new CountingProxy(tag + "-rsync-proxy", port);
    }

    private static String uid() {
        return run("id", "-u");
    }

    private static String gid() {
        return run("id", "-g");
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return out;
        } catch (IOException e) {
            throw new BenchException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    private void awaitListening(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new BenchException("rsync --daemon exited\n" + daemon.logTail());
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                Convergence.sleep(50);
            }
        }
        throw new BenchException("rsync --daemon is not listening on " + port + " after " + timeout.toSeconds() + " s");
    }

    /** One {@code rsync -a --delete SOURCE/ rsync://...} to completion; a non-zero exit is an error. */
    Run sync(Path source, Duration timeout) {
        return sync(source, timeout, false);
    }

    /** The same, with {@code -z} (rsync's own compression of what it sends) when {@code compress}. */
    Run sync(Path source, Duration timeout, boolean compress) {
        proxy.reset();
        List<String> cmd = List.of("rsync", compress ? "-az" : "-a", "--delete", "--modify-window=-1", source + "/",
                "rsync://127.0.0.1:" + proxy.port() + "/mod/");
        double daemon0 = daemon.cpuSecondsWithChildren();
        double reaped0 = ChildProcess.reapedChildrenCpuSeconds();
        long t0 = System.nanoTime();
        ChildProcess client = ChildProcess.start(tag + "-rsync-" + (++runs), cmd, Map.of(), logDir);
        int rc = client.awaitExit(timeout);
        long t1 = System.nanoTime();
        double clientCpu = ChildProcess.reapedChildrenCpuSeconds() - reaped0;
        if (rc != 0) {
            throw new BenchException("rsync exited with " + rc + "\n" + client.logTail());
        }
        waitForProxyDrain();
        daemon.awaitNoChildren(Duration.ofSeconds(10));
        double daemonCpu = daemon.cpuSecondsWithChildren() - daemon0;
        return new Run((t1 - t0) / 1e9, proxy.upstream(), proxy.downstream(), clientCpu, daemonCpu);
    }

    /** The client has exited, so every byte has passed the proxy already; give its threads a moment to count. */
    private void waitForProxyDrain() {
        long last = -1;
        for (int i = 0; i < 20 && proxy.total() != last; i++) {
            last = proxy.total();
            Convergence.sleep(10);
        }
    }

    static String version() {
        String v = run("rsync", "--version");
        return v.lines().findFirst().orElse("?").replaceAll("\\s+", " ").trim();
    }

    @Override
    public void close() {
        proxy.close();
        daemon.kill();
    }
}
