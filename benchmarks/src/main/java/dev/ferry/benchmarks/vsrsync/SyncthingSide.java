package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Syncthing (the Debian package) as the third side: two instances on loopback, each with its own home, the SOURCE
 * one's folder send-only and the DEST one's receive-only. Each device knows the other by ID at an address that is
 * one of our {@link CountingProxy}s in front of the other's listening port, so every byte between them is counted
 * as for Ferry and rsync (TLS included). Discovery, relays, NAT, upgrades, usage and crash reporting are off; the
 * filesystem watcher is on at its minimum delay of 1 s; the rescan interval is a day, so only the watcher (or a
 * start) makes it look.
 */
final class SyncthingSide implements AutoCloseable {
    static final String FOLDER_ID = "bench";
    static final String API_KEY = "ferry-bench-api-key";
    private static final Pattern LAST_SCAN = Pattern.compile("\"lastScan\"\\s*:\\s*\"([^\"]+)\"");

    /** One instance: its home, ports, device ID and (while running) process. */
    private static final class Instance {
        final String role;
        final Path home;
        final Path folder;
        final int guiPort;
        final int listenPort;
        String deviceId;
        ChildProcess process;
        Instant startedAt;

        Instance(String role, Path home, Path folder) {
            this.role = role;
            this.home = home;
            this.folder = folder;
            this.guiPort = FerrySide.freePort();
            this.listenPort = FerrySide.freePort();
        }
    }

    private final Instance source;
    private final Instance dest;
    private final Path logDir;
    private final String tag;
    private int starts;
    /** In front of the SOURCE instance's listening port (DEST dials it here). */
    final CountingProxy toSource;
    /** In front of the DEST instance's listening port (SOURCE dials it here). */
    final CountingProxy toDest;

    SyncthingSide(Path sourceFolder, Path destFolder, Path workDir, Path logDir, String tag) throws IOException {
        this.logDir = logDir;
        this.tag = tag;
        Files.createDirectories(destFolder);
        source = new Instance("source", workDir.resolve("home-source"), sourceFolder);
        dest = new Instance("dest", workDir.resolve("home-dest"), destFolder);
        for (Instance i : List.of(source, dest)) {
            Files.createDirectories(i.home);
            generate(i);
        }
        toSource = new CountingProxy(tag + "-st-proxy-source", source.listenPort);
        toDest = new CountingProxy(tag + "-st-proxy-dest", dest.listenPort);
        Files.writeString(source.home.resolve("config.xml"),
                config(source.deviceId, dest.deviceId, "sendonly", source, toDest.port()));
        Files.writeString(dest.home.resolve("config.xml"),
                config(dest.deviceId, source.deviceId, "receiveonly", dest, toSource.port()));
    }

    /** Keys and certificate ({@code syncthing generate}); the config it writes is replaced by ours. */
    private void generate(Instance i) {
        String out = run(List.of("syncthing", "generate", "--home=" + i.home, "--no-default-folder"));
        Matcher m = Pattern.compile("Device ID: ([A-Z0-9-]{63})").matcher(out);
        if (!m.find()) {
            throw new BenchException("syncthing generate printed no device ID:\n" + out);
        }
        i.deviceId = m.group(1);
    }

    /**
     * The whole config.xml of one instance. {@code type} is sendonly or receiveonly; the peer is reached at
     * {@code peerPort} on 127.0.0.1 (its proxy). Every setting the brief names is explicit here.
     */
    static String config(String self, String peer, String type, Path folder, int guiPort, int listenPort, int peerPort) {
        return """
                <configuration version="36">
                    <folder id="%1$s" label="%1$s" path="%2$s" type="%3$s" rescanIntervalS="86400" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
                        <filesystemType>basic</filesystemType>
                        <device id="%4$s" introducedBy=""><encryptionPassword></encryptionPassword></device>
                        <device id="%5$s" introducedBy=""><encryptionPassword></encryptionPassword></device>
                        <minDiskFree unit="%%">0</minDiskFree>
                        <versioning></versioning>
                        <markerName>.stfolder</markerName>
                        <copyOwnershipFromParent>false</copyOwnershipFromParent>
                        <modTimeWindowS>0</modTimeWindowS>
                        <paused>false</paused>
                    </folder>
                    <device id="%4$s" name="%3$s-self" compression="metadata"><address>dynamic</address></device>
                    <device id="%5$s" name="peer" compression="metadata"><address>tcp://127.0.0.1:%8$d</address></device>
                    <gui enabled="true" tls="false"><address>127.0.0.1:%6$d</address><apikey>%9$s</apikey></gui>
                    <options>
                        <listenAddress>tcp://127.0.0.1:%7$d</listenAddress>
                        <globalAnnounceEnabled>false</globalAnnounceEnabled>
                        <localAnnounceEnabled>false</localAnnounceEnabled>
                        <relaysEnabled>false</relaysEnabled>
                        <natEnabled>false</natEnabled>
                        <urAccepted>-1</urAccepted>
                        <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
                        <crashReportingEnabled>false</crashReportingEnabled>
                        <startBrowser>false</startBrowser>
                        <setLowPriority>false</setLowPriority>
                        <minHomeDiskFree unit="%%">0</minHomeDiskFree>
                        <stunServer></stunServer>
                        <reconnectionIntervalS>1</reconnectionIntervalS>
                    </options>
                </configuration>
                """.formatted(FOLDER_ID, xml(folder.toString()), type, self, peer, guiPort, listenPort, peerPort, API_KEY);
    }

    private static String config(String self, String peer, String type, Instance i, int peerPort) {
        return config(self, peer, type, i.folder, i.guiPort, i.listenPort, peerPort);
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Starts both instances (no monitor process: {@code --no-restart}) and waits until both REST APIs answer. */
    void start(Duration timeout) {
        starts++;
        for (Instance i : List.of(source, dest)) {
            i.startedAt = Instant.now();
            i.process = ChildProcess.start(tag + "-syncthing-" + i.role + "-" + starts,
                    List.of("syncthing", "serve", "--home=" + i.home, "--no-browser", "--no-restart", "--no-upgrade",
                            "--no-default-folder"),
                    Map.of("STNOUPGRADE", "1", "STNORESTART", "1", "STNODEFAULTFOLDER", "1"), logDir);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Instance i : List.of(source, dest)) {
            while (rest(i, "/rest/system/ping") == null) {
                checkAlive();
                if (System.nanoTime() > deadline) {
                    throw new BenchException("Syncthing (" + i.role + ") not answering after " + timeout.toSeconds()
                            + " s\n" + logs());
                }
                Convergence.sleep(50);
            }
        }
    }

    /** SIGTERM (Syncthing shuts down cleanly on it), then SIGKILL after 20 s. */
    void stop() {
        for (Instance i : List.of(source, dest)) {
            if (i.process != null) {
                i.process.stop(Duration.ofSeconds(20));
                i.process = null;
            }
        }
    }

    /**
     * After a start over unchanged trees: waits until both instances have finished a scan since their start,
     * are idle, see each other connected, the DEST one needs nothing and the SOURCE one reports DEST 100% complete.
     * That is the moment a user's two instances agree again that everything is in sync.
     */
    void awaitInSyncAfterStart(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!inSyncAfterStart()) {
            checkAlive();
            if (System.nanoTime() > deadline) {
                throw new BenchException("Syncthing did not report in sync within " + timeout.toSeconds() + " s\n"
                        + logs());
            }
            Convergence.sleep(20);
        }
    }

    private boolean inSyncAfterStart() {
        for (Instance i : List.of(source, dest)) {
            String stats = rest(i, "/rest/stats/folder");
            Matcher m = stats == null ? null : LAST_SCAN.matcher(stats);
            if (m == null || !m.find() || !Instant.parse(m.group(1)).isAfter(i.startedAt)) {
                return false;
            }
            String status = rest(i, "/rest/db/status?folder=" + FOLDER_ID);
            if (status == null || !status.contains("\"state\": \"idle\"") || !status.contains("\"needTotalItems\": 0")) {
                return false;
            }
            String peer = i == source ? dest.deviceId : source.deviceId;
            String conns = rest(i, "/rest/system/connections");
            if (conns == null || !connected(conns, peer)) {
                return false;
            }
        }
        String completion = rest(source, "/rest/db/completion?folder=" + FOLDER_ID + "&device=" + dest.deviceId);
        return completion != null && completion.contains("\"completion\": 100,") && completion.contains("\"needItems\": 0");
    }

    /** Whether {@code /rest/system/connections} lists {@code device} as connected. */
    static boolean connected(String json, String device) {
        int at = json.indexOf("\"" + device + "\"");
        if (at < 0) {
            return false;
        }
        int end = json.indexOf('}', at);
        String block = json.substring(at, end < 0 ? json.length() : end);
        return block.matches("(?s).*\"connected\"\\s*:\\s*true.*");
    }

    /** The body of a GET on the instance's REST API, or null when it does not answer (yet). */
    private static String rest(Instance i, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + i.guiPort + path).toURL()
                    .openConnection();
            c.setRequestProperty("X-API-Key", API_KEY);
            c.setConnectTimeout(1000);
            c.setReadTimeout(5000);
            try {
                if (c.getResponseCode() != 200) {
                    return null;
                }
                return new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return null;
        }
    }

    void resetProxies() {
        toSource.reset();
        toDest.reset();
    }

    /** Bytes through both proxies, both directions. */
    long bytes() {
        return toSource.total() + toDest.total();
    }

    /** Bytes from the SOURCE instance to the DEST one, whichever dialled. */
    long sourceToDest() {
        return toDest.upstream() + toSource.downstream();
    }

    long destToSource() {
        return toDest.downstream() + toSource.upstream();
    }

    /**
     * CPU seconds (user + system) of the SOURCE instance since its start, NaN when not running: its monitor process
     * and the child doing the work (Syncthing 1.19 keeps the monitor even with --no-restart).
     */
    double sourceCpu() {
        return source.process == null ? Double.NaN : source.process.treeCpuSeconds();
    }

    double destCpu() {
        return dest.process == null ? Double.NaN : dest.process.treeCpuSeconds();
    }

    /** Peak RSS of the SOURCE instance: its monitor's and its worker's VmHWM added. */
    long sourcePeakRss() {
        return source.process == null ? -1 : source.process.treePeakRssBytes();
    }

    long destPeakRss() {
        return dest.process == null ? -1 : dest.process.treePeakRssBytes();
    }

    /** The DEST instance's index database (its state on the receiving side, counted in the disk figures). */
    Path destDatabase() {
        return dest.home.resolve("index-v0.14.0.db");
    }

    /**
     * Waits until both instances are idle (at most one clock tick of CPU per process in two 0.5 s windows in a
     * row) and no byte went through the proxies meanwhile, at most {@code max}; false when they never settled.
     */
    boolean awaitIdle(Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        int quiet = 0;
        long bytes = bytes();
        double s0 = sourceCpu();
        double d0 = destCpu();
        while (System.nanoTime() < deadline) {
            Convergence.sleep(500);
            long b = bytes();
            double s = sourceCpu();
            double d = destCpu();
            quiet = b == bytes && s - s0 <= 0.025 && d - d0 <= 0.025 ? quiet + 1 : 0;
            if (quiet >= 2) {
                return true;
            }
            bytes = b;
            s0 = s;
            d0 = d;
        }
        return false;
    }

    void checkAlive() {
        for (Instance i : List.of(source, dest)) {
            if (i.process != null && !i.process.isAlive()) {
                throw new BenchException("Syncthing (" + i.role + ") exited\n" + logs());
            }
        }
    }

    String logs() {
        StringBuilder sb = new StringBuilder();
        for (Instance i : List.of(source, dest)) {
            if (i.process != null) {
                sb.append(i.process.logTail()).append('\n');
            }
        }
        return sb.toString();
    }

    /** Fails with the fix when Syncthing is wanted but not installed (the script installs it; the jar alone may not). */
    static void requireInstalled() {
        if ("not installed".equals(version())) {
            throw new BenchException("syncthing is not installed (or not on PATH): apt-get install syncthing, "
                    + "or run without it with --no-syncthing");
        }
    }

    static String version() {
        try {
            return run(List.of("syncthing", "--version")).lines().findFirst().orElse("?").trim();
        } catch (BenchException e) {
            return "not installed";
        }
    }

    private static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new BenchException(String.join(" ", cmd) + " failed:\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new BenchException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    @Override
    public void close() {
        stop();
        toSource.close();
        toDest.close();
    }

    /** Roots of everything this side keeps on the receiving end: DEST and the DEST instance's database. */
    List<Path> destFootprint() {
        List<Path> roots = new ArrayList<>();
        roots.add(dest.folder);
        roots.add(destDatabase());
        return roots;
    }
}
