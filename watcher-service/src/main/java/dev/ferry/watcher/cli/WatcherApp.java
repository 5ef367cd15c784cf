package dev.ferry.watcher.cli;

import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.FerryConfig;
import dev.ferry.watcher.config.UsageException;
import dev.ferry.watcher.runtime.WatcherRuntime;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import jakarta.inject.Inject;

/** The booted application: runs the watcher until stopped, or once with {@code --once}. */
public class WatcherApp implements QuarkusApplication {
    private final WatcherRuntime runtime;
    private final FerryConfig config;

    @Inject
    public WatcherApp(WatcherRuntime runtime, FerryConfig config) {
        this.runtime = runtime;
        this.config = config;
    }

    @Override
    public int run(String... args) {
        Arguments parsed;
        try {
            parsed = Arguments.parse(args, config.storeUrl(), config.watcher().source());
            if (parsed.help()) {
                System.out.print(Arguments.usage());
                return WatcherRuntime.EXIT_OK;
            }
            parsed.checkSource();
        } catch (UsageException e) {
            System.err.println("ferry-watcher: " + e.getMessage());
            return WatcherRuntime.EXIT_USAGE;
        }
        if (parsed.dryRun()) {
            return new dev.ferry.watcher.dryrun.DryRun(config, System.out).run(parsed);
        }
        if (parsed.once()) {
            return runtime.runOnce(parsed);
        }
        int started = runtime.start(parsed);
        if (started != WatcherRuntime.EXIT_OK) {
            return started;
        }
        Quarkus.waitForExit();
        runtime.stop();
        return runtime.exitCode();
    }
}
