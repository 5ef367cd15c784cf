package dev.ferry.watcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.watcher.control.BandwidthRate;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import java.util.Set;

/**
 * {@code ferry-watcher status | pause | resume | bwlimit [RATE]}: asks the watcher running here (port
 * QUARKUS_HTTP_PORT, default 9182) over its HTTP API, before Quarkus boots. Exit 0 when the watcher answered, 1 when
 * it could not be reached or refused, 2 for a bad command line.
 */
public final class ControlCommand {
    static final Set<String> NAMES = Set.of("status", "pause", "resume", "bwlimit");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final PrintStream out;
    private final PrintStream err;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ControlCommand(URI base, PrintStream out, PrintStream err) {
        this.base = base;
        this.out = out;
        this.err = err;
    }

    /** True when {@code args} start with one of the commands (a SOURCE of that name is written {@code ./pause}). */
    public static boolean handles(String[] args) {
        return args.length > 0 && NAMES.contains(args[0]);
    }

    public static int run(String[] args, Map<String, String> env, int defaultPort, PrintStream out, PrintStream err) {
        String port = env.getOrDefault("QUARKUS_HTTP_PORT", Integer.toString(defaultPort)).trim();
        URI base;
        try {
            base = URI.create("http://127.0.0.1:" + Integer.parseInt(port));
        } catch (IllegalArgumentException e) {
            err.println("ferry-watcher: QUARKUS_HTTP_PORT is not a port number: " + port);
            return 2;
        }
        ControlCommand command = new ControlCommand(base, out, err);
        String name = args[0];
        int extra = args.length - 1;
        if (extra > (name.equals("bwlimit") ? 1 : 0)) {
            err.println("ferry-watcher: '" + name + "' takes " + (name.equals("bwlimit") ? "at most a RATE" : "no arguments")
                    + "; a SOURCE folder named '" + name + "' is written ./" + name);
            err.println("Try 'ferry-watcher --help'.");
            return 2;
        }
        try {
            switch (name) {
                case "pause":
                    return command.pause(true);
                case "resume":
                    return command.pause(false);
                case "bwlimit":
                    return extra == 0 ? command.showLimit() : command.setLimit(args[1]);
                default:
                    return command.status();
            }
        } catch (IOException e) {
            err.println("ferry-watcher: cannot reach the watcher at " + base + " (" + reason(e) + "); is it running, "
                    + "and is QUARKUS_HTTP_PORT (" + port + ") its port?");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    private int pause(boolean pause) throws IOException, InterruptedException {
        JsonNode answer = call("POST", pause ? "/api/v1/pause" : "/api/v1/resume", "{}");
        if (answer == null) {
            return 1;
        }
        boolean changed = answer.path("changed").asBoolean();
        if (pause) {
            out.println(changed ? "paused: nothing is sent to the store until 'ferry-watcher resume'; changes are "
                    + "still watched (the pause is kept across restarts)"
                    : "already paused since " + StatusScreen.time(text(answer, "pausedSince"), Instant.now(),
                    ZoneId.systemDefault()));
        } else {
            out.println(changed ? "resumed: sending what changed while paused" : "was not paused");
        }
        return 0;
    }

    private int showLimit() throws IOException, InterruptedException {
        JsonNode answer = call("GET", "/api/v1/bwlimit", null);
        if (answer == null) {
            return 1;
        }
        out.println("bandwidth limit: " + answer.path("text").asText());
        return 0;
    }

    private int setLimit(String rate) throws IOException, InterruptedException {
        try {
            BandwidthRate.parse(rate);
        } catch (IllegalArgumentException e) {
            err.println("ferry-watcher: " + e.getMessage());
            return 2;
        }
        JsonNode answer = call("PUT", "/api/v1/bwlimit", JSON.createObjectNode().put("rate", rate).toString());
        if (answer == null) {
            return 1;
        }
        out.println("bandwidth limit: " + answer.path("text").asText() + " (was "
                + BandwidthRate.parse(answer.path("was").asText("0")) + ")");
        return 0;
    }

    private int status() throws IOException, InterruptedException {
        JsonNode answer = call("GET", "/status", null);
        if (answer == null) {
            return 1;
        }
        out.print(StatusScreen.render(answer, base.getAuthority(), Instant.now(), ZoneId.systemDefault()));
        return 0;
    }

    /** The answer's JSON; null (said on stderr) when the watcher answered with an error. */
    private JsonNode call(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
        if (body != null) {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        } else {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (response.statusCode() != 200 || json == null) {
            String message = json != null && json.hasNonNull("message") ? json.get("message").asText() : response.body();
            err.println("ferry-watcher: the watcher at " + base + " answered " + response.statusCode() + ": " + message);
            return null;
        }
        return json;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String reason(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
