package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The four Dockerfiles (no Docker engine here, so they are read, not built): each opens with its build and run
 * commands, runs as a non-root user, exposes its port, has a HEALTHCHECK, and the store's keeps DEST on a volume;
 * every run command passes a token. The JVM images' HEALTHCHECK command is then run for real against the packaged
 * services (the native images run the same --probe option of the executable).
 */
class DockerfilesIT {
    private static final Path DIR = ConfigKeys.root().resolve("src/main/docker");

    @Test
    void eachDockerfileOpensWithItsCommandsAndRunsSafely() throws Exception {
        for (String service : List.of("store", "watcher")) {
            for (String mode : List.of("jvm", "native")) {
                String name = "Dockerfile." + service + "." + mode;
                String text = Files.readString(DIR.resolve(name));
                List<String> header = text.lines().takeWhile(l -> l.startsWith("#")).toList();
                String head = String.join("\n", header);
                assertTrue(head.contains("# Build:") && head.contains("./mvnw -B package"), name + " opens with its build command");
                assertTrue(head.contains("docker build -f src/main/docker/" + name + " -t ferry/" + service + ":" + mode + " ."),
                        name + " builds ferry/" + service + ":" + mode);
                assertTrue(head.contains("# Run:") && head.contains("docker run") && head.contains("FERRY_TOKEN"),
                        name + " shows a run command that passes a token");
                if (mode.equals("native")) {
                    assertTrue(head.contains("-Dnative"), name);
                }
                String user = last(Pattern.compile("(?m)^USER (\\S+)\\s*$"), text);
                assertTrue(user != null && !user.equals("root") && !user.equals("0"), name + " runs as a non-root user");
                assertTrue(text.contains("EXPOSE " + (service.equals("store") ? "9181" : "9182")), name + " exposes its port");
                assertTrue(text.contains("HEALTHCHECK "), name + " has a HEALTHCHECK");
                assertTrue(text.contains("\"--probe\", \"live\""), name + ": the HEALTHCHECK is the executable's own probe");
                if (service.equals("store")) {
                    assertTrue(text.contains("VOLUME /data") && text.contains("FERRY_STORE_DEST=/data"), name + ": DEST on a volume");
                } else {
                    assertTrue(text.contains("FERRY_WATCHER_SOURCE=/source") && text.contains("VOLUME /state"), name);
                    String host = last(Pattern.compile("QUARKUS_HTTP_HOST=(\\S+)"), text);
                    assertEquals("127.0.0.1", host, name + ": the watcher's /status stays on loopback (DESIGN)");
                }
            }
        }
    }

    @Test
    void theHealthcheckCommandProbesTheRunningServices(@TempDir Path tmp) throws Exception {
        try (FerryProcess store = FerryProcess.store("docker-probe-store", tmp.resolve("dest"), Map.of())) {
            assertEquals(0, probe(FerryProcess.storeJar(), store.httpPort, "live"));
            assertEquals(0, probe(FerryProcess.storeJar(), store.httpPort, "ready"));
        }
        int closed = FerryProcess.freePort();
        assertEquals(1, probe(FerryProcess.storeJar(), closed, "live"), "nothing listens: unhealthy");
        Path source = Files.createDirectories(tmp.resolve("source"));
        try (FerryProcess watcher = FerryProcess.watcher("docker-probe-watcher", source, "http://127.0.0.1:" + closed,
                Map.of("FERRY_WATCHER_STATE_DIR", tmp.resolve("state").toString()))) {
            Trees.await("the watcher's HTTP port", Duration.ofSeconds(60), () -> answers(watcher.url() + "/q/health/live"), watcher);
            assertEquals(0, probe(FerryProcess.watcherJar(), watcher.httpPort, "live"));
            assertEquals(1, probe(FerryProcess.watcherJar(), watcher.httpPort, "ready"), "not ready without its store");
        }
    }

    private static boolean answers(String url) {
        try {
            return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(Duration.ofSeconds(2)).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (java.io.IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code java -jar JAR --probe CHECK} as the JVM images' HEALTHCHECK does. */
    private static int probe(Path jar, int port, String check) throws Exception {
        List<String> cmd = new ArrayList<>(FerryProcess.command(jar));
        cmd.addAll(List.of("--probe", check));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        Process p = pb.start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe ends");
        return p.exitValue();
    }

    private static String last(Pattern p, String text) {
        Matcher m = p.matcher(text);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        return found;
    }
}
