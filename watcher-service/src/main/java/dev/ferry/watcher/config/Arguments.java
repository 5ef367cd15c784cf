package dev.ferry.watcher.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parsed command line: {@code SOURCE [--store URL] [--once [--dry-run]] [--bwlimit RATE]} or {@code --help}.
 * The control subcommands ({@code status}, {@code pause}, {@code resume}, {@code bwlimit}) are handled before, by
 * {@code cli.ControlCommand}; runtime and dryrun start from it, so it lives with the settings.
 *
 * @param source absolute, normalized source folder (null with --help)
 * @param store  the store URL from --store, if given
 * @param once   one full reconcile, then exit
 * @param help   print the usage and exit 0
 * @param takeOver ask a store that belongs to another source to belong to this one (honoured only while that
 *                 source's watcher is not connected)
 * @param dryRun   with {@code once}: list what a sync would change in DEST, and change nothing
 * @param bwlimit  the bandwidth limit from --bwlimit (checked: rsync's units), if given
 * @param excludes the {@code --exclude} patterns, in order
 * @param folder   the store folder from --folder (checked: {@link FolderName}), if given
 */
public record Arguments(Path source, Optional<String> store, boolean once, boolean help, boolean takeOver,
                        boolean dryRun, Optional<String> bwlimit, List<String> excludes, Optional<String> folder) {

    public Arguments {
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
        folder = folder == null ? Optional.empty() : folder;
    }

    public Arguments(Path source, Optional<String> store, boolean once, boolean help, boolean takeOver,
                     boolean dryRun, Optional<String> bwlimit, List<String> excludes) {
        this(source, store, once, help, takeOver, dryRun, bwlimit, excludes, Optional.empty());
    }

    public Arguments(Path source, Optional<String> store, boolean once, boolean help) {
        this(source, store, once, help, false);
    }

    public Arguments(Path source, Optional<String> store, boolean once, boolean help, boolean takeOver) {
        this(source, store, once, help, takeOver, false, Optional.empty(), List.of());
    }

    public static final String USAGE = """
            Usage: ferry-watcher SOURCE --store http://HOST:PORT [--once] [--bwlimit RATE] [--exclude PATTERN]...
                                 [--folder NAME]
                   ferry-watcher SOURCE --store http://HOST:PORT --once --dry-run
                   ferry-watcher status | pause | resume | bwlimit [RATE]
                   ferry-watcher versions PATH [--store URL] [--folder NAME] [--source SOURCE]
                   ferry-watcher restore PATH [--at TIME] [--to FILE] [--store URL] [--folder NAME]
                   ferry-watcher restore --tree DIR --at TIME --to TARGET [--overwrite] [--store URL]
                   ferry-watcher --help | --version

            Keeps the store's mirror equal to the SOURCE folder, pushing every change as it happens.

              SOURCE            the folder to mirror (must exist; or FERRY_WATCHER_SOURCE)
              --store URL       the store's base URL (or FERRY_STORE_URL)
              --folder NAME     the store folder to sync, on a store that serves many (or FERRY_FOLDER)
              --once            one full reconcile, then exit: 0 when the mirror matches SOURCE, 1 otherwise
                                (it syncs even when this source's watcher is paused)
              --dry-run         with --once: list what a sync would create, update, move and delete in
                                DEST, and change nothing (DEST, the store, this watcher's state); exit 0
                                when the list was made
              --bwlimit RATE    limit what is sent to the store to RATE per second, in rsync's units: a plain
                                number is KiB; K, M, G are 1024-based, KB, MB, GB 1000-based (1.5M, 500, 2MB);
                                0 = no limit (or FERRY_WATCHER_BWLIMIT)
              --exclude PATTERN leave out what PATTERN matches (.gitignore syntax, as a line of a .ferryignore in
                                SOURCE that every .ferryignore overrides); repeatable; also ferry.watcher.exclude
                                (FERRY_WATCHER_EXCLUDE, comma-separated). Ignored entries are never sent nor
                                deleted: the mirror leaves them as they are
              --take-over       make a store that belongs to another source belong to this one (its mirror
                                becomes this SOURCE); only while that source's watcher is stopped
              --help            this text
              --version         print the version and the git commit it was built from
              --probe [live|ready|started]
                                ask the watcher running here (port QUARKUS_HTTP_PORT) for its health:
                                exit 0 when healthy, 1 when not (a container HEALTHCHECK without curl)
              --release-deletes let the running watcher (port QUARKUS_HTTP_PORT) send the deletions its
                                brake holds (see ferry.watcher.max-delete)

            Commands to the watcher running here (port QUARKUS_HTTP_PORT; exit 1 when it cannot be reached):
              status            one screen: in sync or not, what is pending, rate and limit, paused or not,
                                the last changes and the last error
              pause             stop sending to the store (kept across restarts); changes are still watched
              resume            send again, first everything that changed while paused
              bwlimit [RATE]    show the bandwidth limit, or change it now (0 = no limit)
            A SOURCE folder named like a command is given as a path: ferry-watcher ./pause --store ...

            Version history (asks the store; FERRY_STORE_URL, FERRY_TOKEN, FERRY_FOLDER, FERRY_WATCHER_SOURCE):
              versions PATH     list the kept versions of PATH (a path in SOURCE, or folder-relative), newest
                                first, with the --at that selects each
              restore PATH      bring PATH back as it was --at TIME (default: before its last change or
                                delete) into SOURCE, or --to FILE
              restore --tree DIR --at TIME --to TARGET
                                rebuild DIR as it stood at TIME under TARGET (files, folders, links, modes,
                                mtimes), reusing what TARGET and SOURCE hold; never deletes
              TIME              2026-12-07T14:00:00Z, a local 2026-12-07T14:00 or '2026-12-07 14:00:05',
                                or a time ago: 10m, 2h, 3d

            Environment: FERRY_STORE_URL, FERRY_TOKEN (bearer token), QUARKUS_HTTP_PORT (status port, default 9182),
            and every ferry.* setting in its FERRY_* form (see README).
            """;

    /** The usage text, its usage lines naming the command as it was started (native executable or java -jar). */
    public static String usage() {
        return dev.ferry.protocol.CommandName.usage(USAGE, "ferry-watcher");
    }

    /** Parses {@code args}; {@code envStore} is FERRY_STORE_URL (or ferry.store-url) when set. */
    public static Arguments parse(String[] args, Optional<String> envStore) throws UsageException {
        return parse(args, envStore, Optional.empty());
    }

    /**
     * Parses {@code args}; {@code envStore} is FERRY_STORE_URL (or ferry.store-url) and {@code envSource}
     * FERRY_WATCHER_SOURCE (or ferry.watcher.source) when set: the SOURCE when no argument names one.
     */
    public static Arguments parse(String[] args, Optional<String> envStore, Optional<String> envSource) throws UsageException {
        Path source = null;
        String store = null;
        boolean once = false;
        boolean takeOver = false;
        boolean dryRun = false;
        String bwlimit = null;
        String folder = null;
        List<String> excludes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new Arguments(null, Optional.empty(), false, true);
            } else if (arg.equals("--once")) {
                once = true;
            } else if (arg.equals("--dry-run")) {
                dryRun = true;
            } else if (arg.equals("--take-over")) {
                takeOver = true;
            } else if (arg.equals("--exclude") || arg.startsWith("--exclude=")) {
                String pattern;
                if (arg.equals("--exclude")) {
                    if (i + 1 >= args.length) {
                        throw new UsageException("--exclude needs a pattern, e.g. --exclude 'node_modules/'");
                    }
                    pattern = args[++i];
                } else {
                    pattern = arg.substring("--exclude=".length());
                }
                if (pattern.isBlank()) {
                    throw new UsageException("--exclude needs a pattern, e.g. --exclude 'node_modules/'");
                }
                excludes.add(pattern);
            } else if (arg.equals("--store")) {
                if (i + 1 >= args.length || args[i + 1].isBlank()) {
                    throw new UsageException("--store needs a URL, e.g. --store http://127.0.0.1:9181");
                }
                store = args[++i];
            } else if (arg.equals("--bwlimit")) {
                if (i + 1 >= args.length) {
                    throw new UsageException("--bwlimit needs a RATE, e.g. --bwlimit 1M (0 = no limit)");
                }
                bwlimit = checkRate(args[++i]);
            } else if (arg.startsWith("--bwlimit=")) {
                bwlimit = checkRate(arg.substring("--bwlimit=".length()));
            } else if (arg.equals("--folder") || arg.startsWith("--folder=")) {
                if (arg.equals("--folder") && i + 1 >= args.length) {
                    throw new UsageException("--folder needs the NAME of a folder of the store, e.g. --folder photos");
                }
                folder = checkFolder(arg.equals("--folder") ? args[++i] : arg.substring("--folder=".length()));
            } else if (arg.startsWith("--store=")) {
                store = arg.substring("--store=".length());
            } else if (arg.startsWith("-") && !arg.equals("-")) {
                throw new UsageException("unknown option: " + arg);
            } else if (source != null) {
                throw new UsageException("only one SOURCE folder, got " + source + " and " + arg);
            } else {
                source = toPath(arg);
            }
        }
        if (dryRun && !once) {
            throw new UsageException("--dry-run works with --once only: ferry-watcher SOURCE --store URL --once --dry-run");
        }
        if (source == null && envSource.isPresent() && !envSource.get().isBlank()) {
            source = toPath(envSource.get());
        }
        if (source == null) {
            throw new UsageException("missing SOURCE folder (the argument, or FERRY_WATCHER_SOURCE)");
        }
        Optional<String> url = Optional.ofNullable(store).or(() -> envStore.filter(s -> !s.isBlank()));
        if (url.isEmpty()) {
            throw new UsageException("no store given: pass --store http://HOST:PORT or set FERRY_STORE_URL");
        }
        checkStoreUrl(url.get());
        return new Arguments(source, url, once, false, takeOver, dryRun, Optional.ofNullable(bwlimit), excludes,
                Optional.ofNullable(folder));
    }

    private static String checkFolder(String name) throws UsageException {
        String problem = FolderName.problem(name);
        if (problem != null) {
            throw new UsageException("--folder: " + problem);
        }
        return name;
    }

    private static String checkRate(String rate) throws UsageException {
        try {
            dev.ferry.watcher.control.BandwidthRate.parse(rate);
            return rate;
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The checks of the source folder, separate so that the message names the path exactly. */
    public void checkSource() throws UsageException {
        if (!Files.exists(source)) {
            throw new UsageException("source folder does not exist: " + source);
        }
        if (!Files.isDirectory(source)) {
            throw new UsageException("source folder is not a directory: " + source);
        }
    }

    public static void checkStoreUrl(String url) throws UsageException {
        String lower = url.toLowerCase(java.util.Locale.ROOT);
        if (!(lower.startsWith("http://") || lower.startsWith("https://"))) {
            throw new UsageException("store URL must start with http:// or https://, got " + url);
        }
        try {
            java.net.URI uri = java.net.URI.create(url);
            if (uri.getHost() == null) {
                throw new UsageException("store URL has no host: " + url);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("bad store URL " + url + ": " + e.getMessage());
        }
    }

    private static Path toPath(String arg) throws UsageException {
        try {
            return Path.of(arg).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new UsageException("bad SOURCE path " + arg + ": " + e.getMessage());
        }
    }
}
