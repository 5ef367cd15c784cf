package dev.ferry.watcher.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * {@code ferry-watcher --release-deletes}: asks the watcher running here (port QUARKUS_HTTP_PORT, default 9182) to
 * let go the deletions its delete brake holds.
 */
public final class ReleaseDeletesCommand {
    public static final String OPTION = "--release-deletes";

    private ReleaseDeletesCommand() {
    }

    /** Exit code: 0 when the watcher answered (whether or not something was held), 1 when it could not be asked. */
    public static int run(Map<String, String> env, int defaultPort, PrintStream out, PrintStream err) {
        String port = env.getOrDefault("QUARKUS_HTTP_PORT", Integer.toString(defaultPort));
        URI uri = URI.create("http://127.0.0.1:" + port.trim() + "/api/v1/deletes/release");
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        try {
            HttpResponse<String> response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                    .send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println("ferry-watcher: the watcher at " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
                return 1;
            }
            String n = response.body().replaceAll("\\D", "");
            out.println(n.isEmpty() || n.equals("0") ? "no deletions were held"
                    : "released " + n + " held deletions: the mirror follows the source again");
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            err.println("ferry-watcher: cannot reach the watcher at " + uri + " (" + e.getMessage()
                    + "); is it running, and is QUARKUS_HTTP_PORT its port?");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
