package dev.ferry.e2e;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One-shot {@code ferry-watcher} commands ({@code versions}, {@code restore}) run as a user runs them. */
final class WatcherCli {
    private static int runs;

    private WatcherCli() {
    }

    /** What the command printed (stdout and stderr together) and how it exited. */
    record Result(int exit, String output, Duration took) {
        /** The last non-empty line: a restore's summary. */
        String lastLine() {
            List<String> lines = output.strip().lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    /** Runs {@code ferry-watcher ARGS} with {@code env} to its end (at most two minutes). */
    static Result run(String name, Map<String, String> env, String... args) throws InterruptedException {
        long started = System.nanoTime();
        try (FerryProcess p = FerryProcess.start(name + "-" + (++runs), FerryProcess.watcherJar(), List.of(args),
                FerryProcess.freePort(), env)) {
            int exit = p.awaitExit(Duration.ofMinutes(2));
            return new Result(exit, p.log(), Duration.ofNanos(System.nanoTime() - started));
        }
    }
}
