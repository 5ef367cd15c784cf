package dev.ferry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A packaged Ferry service (store or watcher) running as a real child process, its output in a log file. */
final class FerryProcess implements AutoCloseable {
    private static final Path LOG_DIR = Path.of("target", "e2e-logs");

    private final String name;
    private final Process process;
    private final Path log;
    final int httpPort;

    private FerryProcess(String name, Process process, Path log, int httpPort) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.httpPort = httpPort;
    }

    /** The store to start: its jar, or its native executable when the build ran with -Dnative. */
    static Path storeJar() {
        return executable("ferry.store.native", "../store-service/target/store-service-runner",
                "ferry.store.jar", "../store-service/target/quarkus-app/quarkus-run.jar");
    }

    /** The watcher to start: its jar, or its native executable when the build ran with -Dnative. */
    static Path watcherJar() {
        return executable("ferry.watcher.native", "../watcher-service/target/watcher-service-runner",
                "ferry.watcher.jar", "../watcher-service/target/quarkus-app/quarkus-run.jar");
    }

    private static Path executable(String runnerProperty, String runnerFallback, String jarProperty, String jarFallback) {
        return ServiceExecutable.select(Boolean.getBoolean("ferry.native"),
                Path.of(System.getProperty(runnerProperty, runnerFallback)),
                Path.of(System.getProperty(jarProperty, jarFallback)));
    }

    /** The command that starts {@code executable} (from {@link #storeJar()} or {@link #watcherJar()}). */
    static List<String> command(Path executable) {
        return ServiceExecutable.command(executable, Path.of(System.getProperty("java.home")));
    }

    /** Starts the store on a free port and waits until it is ready. */
    static FerryProcess store(String name, Path dest, Map<String, String> env) {
        int port = freePort();
        FerryProcess p = start(name, storeJar(), List.of(dest.toString()), port, env);
        p.awaitReady(Duration.ofSeconds(60));
        return p;
    }

    /** Starts a store on a given port without waiting (for the store-starts-late case). */
    static FerryProcess storeOnPort(String name, Path dest, int port, Map<String, String> env) {
        return start(name, storeJar(), List.of(dest.toString()), port, env);
    }

    /** Starts a watcher of {@code source} that talks to {@code storeUrl}. */
    static FerryProcess watcher(String name, Path source, String storeUrl, Map<String, String> env, String... extra) {
        List<String> args = new ArrayList<>(List.of(source.toString(), "--store", storeUrl));
        args.addAll(List.of(extra));
        return start(name, watcherJar(), args, freePort(), env);
    }

    static FerryProcess start(String name, Path jar, List<String> args, int port, Map<String, String> env) {
        return start(name, jar, args, port, env, List.of());
    }

    /** Starts a watcher that runs as another (unprivileged) user: {@code setpriv} and its options first. */
    static FerryProcess watcherAs(List<String> prefix, String name, Path source, String storeUrl, Map<String, String> env) {
        return start(name, watcherJar(), List.of(source.toString(), "--store", storeUrl), freePort(), env, prefix);
    }

    static FerryProcess start(String name, Path jar, List<String> args, int port, Map<String, String> env,
                              List<String> prefix) {
        try {
            Files.createDirectories(LOG_DIR);
            Path log = LOG_DIR.resolve(name + ".log");
            List<String> cmd = new ArrayList<>(prefix);
            cmd.addAll(command(jar));
            cmd.addAll(args);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
            pb.environment().remove("FERRY_TOKEN");
            pb.environment().remove("FERRY_STORE_URL");
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(log.toFile());
            return new FerryProcess(name, pb.start(), log, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + httpPort;
    }

    void awaitReady(Duration timeout) {
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + logTail());
            }
            try {
                HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(url() + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException(name + " not ready after " + timeout + ":\n" + logTail());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit by itself and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running after " + timeout + ":\n" + logTail());
        }
        return process.exitValue();
    }

    /** SIGKILL, as a crash or an OOM killer would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    String logTail() {
        String all = log();
        return "---- " + name + " log (tail) ----\n" + (all.length() > 6000 ? all.substring(all.length() - 6000) : all);
    }

    /** SIGTERM, then SIGKILL if it does not stop in time. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
