package dev.ferry.watcher.cli;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The parsed command line: {@code SOURCE [--store URL] [--once]} or {@code --help}.
 *
 * @param source absolute, normalized source folder (null with --help)
 * @param store  the store URL from --store, if given
 * @param once   one full reconcile, then exit
 * @param help   print the usage and exit 0
 * @param takeOver ask a store that belongs to another source to belong to this one (honoured only while that
 *                 source's watcher is not connected)
 * @param excludes the {@code --exclude} patterns, in order
 */
public record Arguments(Path source, Optional<String> store, boolean once, boolean help, boolean takeOver,
                        List<String> excludes) {

    public Arguments {
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
    }

    public Arguments(Path source, Optional<String> store, boolean once, boolean help) {
        this(source, store, once, help, false);
    }

    public Arguments(Path source, Optional<String> store, boolean once, boolean help, boolean takeOver) {
        this(source, store, once, help, takeOver, List.of());
    }

    public static final String USAGE = """
            Usage: ferry-watcher SOURCE --store http://HOST:PORT [--once] [--exclude PATTERN]...
                   ferry-watcher --help | --version

            Keeps the store's mirror equal to the SOURCE folder, pushing every change as it happens.

              SOURCE            the folder to mirror (must exist; or FERRY_WATCHER_SOURCE)
              --store URL       the store's base URL (or FERRY_STORE_URL)
              --once            one full reconcile, then exit: 0 when the mirror matches SOURCE, 1 otherwise
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
        List<String> excludes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                return new Arguments(null, Optional.empty(), false, true);
            } else if (arg.equals("--once")) {
                once = true;
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
        return new Arguments(source, url, once, false, takeOver, excludes);
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

    static void checkStoreUrl(String url) throws UsageException {
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
