package dev.ferry.watcher.cli;

import dev.ferry.protocol.BuildVersion;
import dev.ferry.protocol.HealthProbe;
import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.UsageException;
import dev.ferry.watcher.runtime.WatcherRuntime;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.Optional;

/**
 * Entry point: checks the command line before Quarkus boots, so a wrong SOURCE or a missing store URL fails at
 * once with exit code 2, then runs {@link WatcherApp}.
 */
@QuarkusMain
public final class WatcherMain {

    private WatcherMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals(HealthProbe.OPTION)) {
            System.exit(HealthProbe.run(args, System.getenv(), 9182, System.err));
            return;
        }
        if (java.util.Arrays.asList(args).contains(BuildVersion.OPTION)) {
            System.out.println(BuildVersion.line("ferry-watcher"));
            return;
        }
        if (ControlCommand.handles(args)) {
            System.exit(ControlCommand.run(args, System.getenv(), 9182, System.out, System.err));
            return;
        }
        if (VersionCommands.handles(args)) {
            System.exit(VersionCommands.run(args, WatcherMain::setting, System.out, System.err));
            return;
        }
        if (args.length > 0 && args[0].equals(ReleaseDeletesCommand.OPTION)) {
            System.exit(ReleaseDeletesCommand.run(System.getenv(), 9182, System.out, System.err));
            return;
        }
        Arguments parsed;
        try {
            parsed = Arguments.parse(args, setting("ferry.store-url", "FERRY_STORE_URL"),
                    setting("ferry.watcher.source", "FERRY_WATCHER_SOURCE"));
            if (parsed.help()) {
                System.out.print(Arguments.usage());
                return;
            }
            parsed.checkSource();
        } catch (UsageException e) {
            System.err.println("ferry-watcher: " + e.getMessage());
            System.err.println("Try 'ferry-watcher --help'.");
            System.exit(WatcherRuntime.EXIT_USAGE);
            return;
        }
        if (parsed.once() && System.getProperty("quarkus.http.port") == null) {
            System.setProperty("quarkus.http.port", "0");
        }
        if (parsed.dryRun() && System.getProperty("quarkus.log.console.stderr") == null) {
            // stdout carries the plan alone, for a reader or a pipe; the log goes to stderr.
            System.setProperty("quarkus.log.console.stderr", "true");
        }
        Quarkus.run(WatcherApp.class, args);
    }

    /** A setting read before the configuration exists: the system property, else the environment variable. */
    private static Optional<String> setting(String property, String env) {
        return Optional.ofNullable(System.getProperty(property)).or(() -> Optional.ofNullable(System.getenv(env)));
    }
}
