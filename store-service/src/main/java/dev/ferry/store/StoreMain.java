package dev.ferry.store;

import dev.ferry.protocol.BuildVersion;
import dev.ferry.protocol.CommandName;
import dev.ferry.protocol.HealthProbe;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Command line: {@code java -jar quarkus-run.jar DEST}; checks the arguments before Quarkus boots. */
@QuarkusMain
public final class StoreMain {
    static final String DEST_PROPERTY = "ferry.store.dest";
    static final String USAGE = """
            Usage: ferry-store DEST [--verify [--repair]]
                   ferry-store --help | --version

            Ferry store: keeps DEST an exact mirror of a watcher's SOURCE folder. Its own state lives in DEST/.ferry.

              DEST     the destination folder, created if missing (env FERRY_STORE_DEST when no argument)
              --verify re-hash the chunk store and every mirror file against the index, print a report and exit
                       (0 consistent, 1 problems remain, 2 cannot check); the store must not be running
              --repair with --verify: fix what it finds (re-store chunks from intact files, rebuild damaged
                       files, drop entries whose chunks are gone so the watcher sends them again)
              --help   print this help and exit
              --version
                       print the version and the git commit it was built from, and exit
              --probe [live|ready|started]
                       ask the store running here (port QUARKUS_HTTP_PORT) for its health: exit 0 when
                       healthy, 1 when not (a container HEALTHCHECK without curl)

            Environment: QUARKUS_HTTP_PORT (default 9181), QUARKUS_HTTP_HOST (default 127.0.0.1),
                         FERRY_TOKEN (bearer token every request must carry), FERRY_STORE_AUDIT_INTERVAL (2s).
            """;

    private StoreMain() {
    }

    /** The usage text, its usage lines naming the command as it was started (native executable or java -jar). */
    static String usage() {
        return CommandName.usage(USAGE, "ferry-store");
    }

    public static void main(String... args) {
        int exit = prepare(args, System.getenv(), System.out, System.err);
        if (exit >= 0) {
            System.exit(exit);
        }
        Quarkus.run(StoreApp.class, args);
    }

    /**
     * Validates the arguments and sets {@code ferry.store.dest}; returns the exit code when the process must stop
     * now (0 after --help, 2 on bad usage), or -1 to boot.
     */
    static int prepare(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (args.length > 0 && args[0].equals(HealthProbe.OPTION)) {
            return HealthProbe.run(args, env, 9181, err);
        }
        String dest = null;
        boolean verify = false;
        boolean repair = false;
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                out.print(usage());
                return 0;
            }
            if (arg.equals(BuildVersion.OPTION)) {
                out.println(BuildVersion.line("ferry-store"));
                return 0;
            }
            if (arg.equals("--verify")) {
                verify = true;
                continue;
            }
            if (arg.equals("--repair")) {
                repair = true;
                continue;
            }
            if (arg.startsWith("-") && arg.length() > 1) {
                err.println("ferry-store: unknown option " + arg);
                err.print(usage());
                return 2;
            }
            if (dest != null) {
                err.println("ferry-store: one DEST only, got '" + dest + "' and '" + arg + "'");
                err.print(usage());
                return 2;
            }
            dest = arg;
        }
        if (dest == null) {
            dest = System.getProperty(DEST_PROPERTY);
        }
        if (dest == null || dest.isBlank()) {
            dest = env.get("FERRY_STORE_DEST");
        }
        if (dest == null || dest.isBlank()) {
            err.println("ferry-store: DEST is missing");
            err.print(usage());
            return 2;
        }
        Path path;
        try {
            path = Path.of(dest).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            err.println("ferry-store: DEST is not a valid path: " + dest);
            return 2;
        }
        if (Files.exists(path) && !Files.isDirectory(path)) {
            err.println("ferry-store: DEST exists but is not a directory: " + path);
            return 2;
        }
        if (repair && !verify) {
            err.println("ferry-store: --repair goes with --verify");
            err.print(usage());
            return 2;
        }
        if (verify) {
            return StoreVerifyCommand.run(path, repair, out, err);
        }
        String unusable = DestCheck.problem(path);
        if (unusable != null) {
            err.println("ferry-store: " + unusable);
            return 2;
        }
        System.setProperty(DEST_PROPERTY, path.toString());
        return -1;
    }
}
