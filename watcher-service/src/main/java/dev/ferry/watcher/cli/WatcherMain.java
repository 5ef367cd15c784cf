package dev.ferry.watcher.cli;

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
        Arguments parsed;
        try {
            parsed = Arguments.parse(args, storeFromEnvironment());
            if (parsed.help()) {
                System.out.print(Arguments.USAGE);
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
        Quarkus.run(WatcherApp.class, args);
    }

    private static Optional<String> storeFromEnvironment() {
        return Optional.ofNullable(System.getProperty("ferry.store-url"))
                .or(() -> Optional.ofNullable(System.getenv("FERRY_STORE_URL")));
    }
}
