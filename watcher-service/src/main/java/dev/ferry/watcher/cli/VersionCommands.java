package dev.ferry.watcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.FolderName;
import dev.ferry.watcher.config.UsageException;
import dev.ferry.watcher.restore.RestoreReport;
import dev.ferry.watcher.restore.RestoreTime;
import dev.ferry.watcher.restore.StoreRefusal;
import dev.ferry.watcher.restore.TreeRestorer;
import dev.ferry.watcher.restore.VersionListing;
import dev.ferry.watcher.restore.VersionStore;
import dev.ferry.watcher.store.StoreAddress;
import dev.ferry.watcher.store.StoreTls;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpConnectTimeoutException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@code ferry-watcher versions PATH} and {@code ferry-watcher restore PATH | --tree DIR}: ask the store for a path's
 * kept versions, or rebuild a file or a folder as it was at a moment, before Quarkus boots. The store, token,
 * folder, SOURCE and TLS trust come as the watcher takes them (options, then {@code ferry.*} properties, then
 * {@code FERRY_*} variables). Exit 0 on success, 1 on a failure (with the reason), 2 for a bad command line.
 */
public final class VersionCommands {
    static final Set<String> NAMES = Set.of("versions", "restore");
    public static final String USAGE = """
            Usage: ferry-watcher versions PATH [--store URL] [--folder NAME] [--source SOURCE]
                   ferry-watcher restore PATH [--at TIME] [--to FILE] [--overwrite] [--store URL] [--folder NAME]
                                 [--source SOURCE]
                   ferry-watcher restore --tree DIR --at TIME --to TARGET [--overwrite] [--store URL]
                                 [--folder NAME] [--source SOURCE]
            PATH and DIR are paths inside SOURCE (--source, or FERRY_WATCHER_SOURCE), or without a SOURCE, paths
            relative to the store's folder. TIME: 2026-12-07T14:00:00Z, a local 2026-12-07T14:00 or
            '2026-12-07 14:00:05', or a time ago: 30s, 10m, 2h, 3d, 1w.
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final BiFunction<String, String, Optional<String>> settings;
    private final Path cwd;
    private final ZoneId zone;

    /** The parsed options of one command. */
    private static final class Options {
        String path;
        String tree;
        String at;
        String to;
        String store;
        String folder;
        String source;
        boolean overwrite;
    }

    VersionCommands(PrintStream out, PrintStream err, BiFunction<String, String, Optional<String>> settings, Path cwd,
                    ZoneId zone) {
        this.out = out;
        this.err = err;
        this.settings = settings;
        this.cwd = cwd;
        this.zone = zone;
    }

    /** True when {@code args} start with {@code versions} or {@code restore}. */
    public static boolean handles(String[] args) {
        return args.length > 0 && NAMES.contains(args[0]);
    }

    /**
     * Runs the command; {@code settings} maps a property and its env name to its value (system property, then
     * environment).
     */
    public static int run(String[] args, BiFunction<String, String, Optional<String>> settings, PrintStream out,
                          PrintStream err) {
        return new VersionCommands(out, err, settings, Path.of("").toAbsolutePath(), ZoneId.systemDefault()).run(args);
    }

    int run(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (UsageException e) {
            err.println("ferry-watcher: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (o == null) {
            out.print(USAGE);
            return 0;
        }
        try {
            return args[0].equals("versions") ? versions(o) : restore(o);
        } catch (UsageException e) {
            err.println("ferry-watcher: " + e.getMessage());
            return 2;
        } catch (StoreRefusal e) {
            err.println("ferry-watcher: the store refused: " + e.getMessage() + " (HTTP " + e.status()
                    + (e.code().isEmpty() ? "" : ", " + e.code()) + ")" + hint(e));
            return 1;
        } catch (HttpConnectTimeoutException | java.net.ConnectException e) {
            err.println("ferry-watcher: cannot reach the store (" + reason(e) + "); is it running, and is the URL "
                    + "(--store, FERRY_STORE_URL) right?");
            return 1;
        } catch (IOException e) {
            err.println("ferry-watcher: " + reason(e));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("ferry-watcher: interrupted");
            return 1;
        }
    }

    private int versions(Options o) throws UsageException, IOException, InterruptedException {
        Optional<Path> source = source(o);
        String path = folderPath(o.path, source, false);
        VersionStore store = store(o);
        JsonNode answer;
        try {
            answer = store.versions(path);
        } catch (StoreRefusal e) {
            if (e.notFound()) {
                err.println("ferry-watcher: the store knows nothing at " + RelativePaths.printable(path)
                        + ": no current entry and no kept version");
                return 1;
            }
            throw e;
        }
        out.print(VersionListing.render(answer, zone));
        return 0;
    }

    private int restore(Options o) throws UsageException, IOException, InterruptedException {
        Optional<Path> source = source(o);
        boolean tree = o.tree != null;
        String path = folderPath(tree ? o.tree : o.path, source, tree);
        if (tree && (o.at == null || o.to == null)) {
            throw new UsageException("restore --tree needs --at TIME and --to TARGET");
        }
        if (o.to == null && source.isEmpty()) {
            throw new UsageException("no SOURCE known (--source, FERRY_WATCHER_SOURCE): say where to write with --to");
        }
        Optional<Instant> at = Optional.empty();
        if (o.at != null) {
            try {
                at = Optional.of(RestoreTime.parse(o.at, Instant.now(), zone));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Path target;
        try {
            target = o.to != null ? cwd.resolve(o.to).toAbsolutePath().normalize()
                    : path.isEmpty() ? source.get() : FileNames.resolve(source.get(), path);
        } catch (InvalidPathException e) {
            throw new UsageException("bad --to path " + o.to + ": " + e.getMessage());
        }
        VersionStore store = store(o);
        if (at.isEmpty()) {
            at = Optional.of(newestKept(store, path));
        }
        boolean insideSource = source.isPresent() && target.startsWith(source.get());
        Path sourceDir = source.map(s -> path.isEmpty() ? s : FileNames.resolve(s, path)).orElse(null);
        TreeRestorer restorer = new TreeRestorer(target, path, sourceDir, o.overwrite || insideSource,
                o.to != null, store, new FastCdc(ChunkerParams.DEFAULT), err);
        RestoreReport report;
        try (InputStream listing = store.tree(path, at)) {
            report = restorer.restore(listing);
        } catch (StoreRefusal e) {
            if (e.notFound()) {
                err.println("ferry-watcher: nothing was at " + printable(path) + " at " + RestoreTime.wire(at.get())
                        + " (see 'ferry-watcher versions " + printable(path) + "')");
                return 1;
            }
            throw e;
        }
        out.println(report.line() + " into " + target);
        if (report.entries() == 0 && report.complete()) {
            err.println("ferry-watcher: the store listed nothing to restore");
            return 1;
        }
        return report.complete() ? 0 : 1;
    }

    /** The moment just before the newest kept version of {@code path} was replaced: undoes the last change. */
    private Instant newestKept(VersionStore store, String path) throws IOException, InterruptedException {
        JsonNode answer;
        try {
            answer = store.versions(path);
        } catch (StoreRefusal e) {
            if (e.notFound()) {
                throw new IOException("the store knows nothing at " + printable(path));
            }
            throw e;
        }
        JsonNode versions = answer.path("versions");
        Instant at = versions.isArray() && !versions.isEmpty() ? VersionListing.selectingTime(versions.get(0)) : null;
        if (at == null) {
            throw new IOException("the store keeps no earlier version of " + printable(path)
                    + ": nothing to restore (give --at TIME to restore it as it was then)");
        }
        return at;
    }

    private VersionStore store(Options o) throws UsageException {
        String url = Optional.ofNullable(o.store).or(() -> settings.apply("ferry.store-url", "FERRY_STORE_URL"))
                .filter(s -> !s.isBlank())
                .orElseThrow(() -> new UsageException("no store given: pass --store http://HOST:PORT or set FERRY_STORE_URL"));
        Arguments.checkStoreUrl(url.trim());
        StoreAddress address;
        try {
            address = StoreAddress.parse(url).withFolder(FolderName.choose(Optional.ofNullable(o.folder),
                    settings.apply("ferry.folder", "FERRY_FOLDER")));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        SSLContext tls = null;
        if ("https".equalsIgnoreCase(address.base().getScheme())) {
            try {
                tls = StoreTls.context(settings.apply("ferry.watcher.tls-trust", "FERRY_WATCHER_TLS_TRUST")
                                .filter(s -> !s.isBlank()).map(Path::of),
                        settings.apply("ferry.watcher.tls-trust-password", "FERRY_WATCHER_TLS_TRUST_PASSWORD"));
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return new VersionStore(address, settings.apply("ferry.token", "FERRY_TOKEN"), tls);
    }

    private Optional<Path> source(Options o) throws UsageException {
        Optional<String> given = Optional.ofNullable(o.source)
                .or(() -> settings.apply("ferry.watcher.source", "FERRY_WATCHER_SOURCE")).filter(s -> !s.isBlank());
        if (given.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(cwd.resolve(given.get()).toAbsolutePath().normalize());
        } catch (InvalidPathException e) {
            throw new UsageException("bad SOURCE path " + given.get() + ": " + e.getMessage());
        }
    }

    /**
     * The folder-relative wire path of {@code arg}: a path on disk inside SOURCE when SOURCE is known, else a path
     * relative to the folder. "" (the whole folder) only when {@code rootAllowed}.
     */
    private String folderPath(String arg, Optional<Path> source, boolean rootAllowed) throws UsageException {
        String path;
        if (source.isPresent()) {
            Path abs;
            try {
                abs = cwd.resolve(arg).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw new UsageException("bad path " + arg + ": " + e.getMessage());
            }
            if (!abs.startsWith(source.get())) {
                throw new UsageException(abs + " is not inside SOURCE " + source.get() + " (give a path inside it, or "
                        + "without a SOURCE a path relative to the store's folder)");
            }
            try {
                path = FileNames.relative(source.get(), abs);
            } catch (CharacterCodingException e) {
                throw new UsageException("the name of " + abs + " is not valid UTF-8: the store cannot hold it");
            }
        } else {
            path = arg;
            while (path.startsWith("./")) {
                path = path.substring(2);
            }
            while (path.endsWith("/")) {
                path = path.substring(0, path.length() - 1);
            }
            if (path.equals(".")) {
                path = "";
            }
        }
        if (path.isEmpty()) {
            if (rootAllowed) {
                return "";
            }
            throw new UsageException("name a file or folder inside the folder, not the folder itself"
                    + " (restore --tree restores the whole folder)");
        }
        String why = RelativePaths.problem(path);
        if (why != null) {
            throw new UsageException("bad path " + RelativePaths.printable(arg) + ": " + why);
        }
        return path;
    }

    /** The options, or null for --help. */
    private static Options parse(String[] args) throws UsageException {
        Options o = new Options();
        boolean restore = args[0].equals("restore");
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> {
                    return null;
                }
                case "--overwrite" -> {
                    requireRestore(restore, name);
                    o.overwrite = true;
                }
                case "--store", "--folder", "--source", "--at", "--to", "--tree" -> {
                    if (value == null) {
                        if (i + 1 >= args.length || args[i + 1].isEmpty()) {
                            throw new UsageException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (name) {
                        case "--store" -> o.store = value;
                        case "--folder" -> o.folder = value;
                        case "--source" -> o.source = value;
                        case "--at" -> o.at = requireRestore(restore, name) ? value : null;
                        case "--to" -> o.to = requireRestore(restore, name) ? value : null;
                        default -> o.tree = requireRestore(restore, name) ? value : null;
                    }
                }
                default -> {
                    if (arg.startsWith("-") && !arg.equals("-")) {
                        throw new UsageException("unknown option: " + arg);
                    }
                    if (o.path != null) {
                        throw new UsageException("one PATH only, got " + o.path + " and " + arg);
                    }
                    o.path = arg;
                }
            }
        }
        if (o.tree != null && o.path != null) {
            throw new UsageException("restore --tree DIR takes no other PATH (got " + o.path + ")");
        }
        if (o.tree == null && o.path == null) {
            throw new UsageException(args[0] + " needs a PATH");
        }
        if (o.folder != null && FolderName.problem(o.folder) != null) {
            throw new UsageException("--folder: " + FolderName.problem(o.folder));
        }
        return o;
    }

    private static boolean requireRestore(boolean restore, String option) throws UsageException {
        if (!restore) {
            throw new UsageException(option + " belongs to 'restore', not 'versions'");
        }
        return true;
    }

    private static String hint(StoreRefusal e) {
        return switch (e.status()) {
            case 401 -> "; is FERRY_TOKEN the store's token?";
            case 403 -> "; the token opens another folder (--folder, FERRY_FOLDER)";
            case 404 -> e.code().contains("folder") ? "; name a folder of the store with --folder (FERRY_FOLDER)"
                    : "; does this store keep versions (a store of this release)?";
            default -> "";
        };
    }

    private static String printable(String path) {
        return path.isEmpty() ? "the folder's root" : RelativePaths.printable(path);
    }

    private static String reason(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
