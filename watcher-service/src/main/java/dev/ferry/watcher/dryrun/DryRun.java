package dev.ferry.watcher.dryrun;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.FerryConfig;
import dev.ferry.watcher.config.FolderName;
import dev.ferry.watcher.config.SourceIdentity;
import dev.ferry.watcher.config.StateDirectory;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.runtime.WatcherRuntime;
import dev.ferry.watcher.scan.ChunkChecksums;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.store.StoreAddress;
import dev.ferry.watcher.store.StoreTls;
import dev.ferry.watcher.sync.ChangeDetector;
import dev.ferry.watcher.sync.DeleteBrake;
import dev.ferry.watcher.sync.DirtySet;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLContext;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code --once --dry-run}: hashes SOURCE as a sync would, asks the store (a dry-run session, see
 * docs/PROTOCOL.md) what that sync would change in DEST, and prints it ({@link PlanReport}). It changes nothing:
 * the local state cache is read into memory and never saved, a missing source id is made up for this run only
 * and not kept, and the store applies, binds and records nothing for it.
 */
public final class DryRun {
    private static final Logger LOG = Logger.getLogger(DryRun.class);

    private final FerryConfig config;
    private final PrintStream out;

    public DryRun(FerryConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    /** Runs the dry run; the process's exit code (0 when the plan was made and printed). */
    public int run(Arguments args) {
        FerryConfig.Watcher w = config.watcher();
        Path source = args.source();
        StoreAddress store = StoreAddress.parse(args.store().orElseThrow());
        Path stateDir;
        DeleteBrake brake;
        SSLContext tls = null;
        try {
            store = store.withFolder(FolderName.choose(args.folder(), config.folder()));
            stateDir = StateDirectory.resolve(source, w.stateDir(), System.getenv(), System.getProperty("user.home"));
            brake = new DeleteBrake(DeleteBrake.Limit.parse(w.maxDelete()));
            if ("https".equalsIgnoreCase(store.base().getScheme())) {
                tls = StoreTls.context(w.tlsTrust(), w.tlsTrustPassword());
            }
        } catch (IllegalArgumentException e) {
            System.err.println("ferry-watcher: " + e.getMessage());
            return WatcherRuntime.EXIT_USAGE;
        }
        List<String> excludes = new ArrayList<>(w.exclude().orElse(List.of()));
        excludes.addAll(args.excludes());
        String excludeProblem = SourceIgnoreRules.problem(excludes);
        if (excludeProblem != null) {
            System.err.println("ferry-watcher: " + excludeProblem);
            return WatcherRuntime.EXIT_USAGE;
        }
        // File-less: the rules a dry run reads are not kept for the next real run's hello.
        SourceIgnoreRules ignores = new SourceIgnoreRules(excludes);
        String sourceId;
        try {
            sourceId = existingSourceId(stateDir);
        } catch (java.io.IOException e) {
            System.err.println("ferry-watcher: cannot read this source's identity: " + e.getMessage());
            return WatcherRuntime.EXIT_USAGE;
        }
        ChunkerParams params = ChunkerParams.DEFAULT;
        // A private copy, deleted at exit: the next real run finds the state as it was.
        LocalStateCache cache = LocalStateCache.loadCopy(stateDir, source.toString(), params);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(cache), "ferry-state-copy"));
        String cachedStore = cache.storeId();
        Scan scan = scan(source, cache, brake, w.allowEmptySource(), ignores);
        if (scan.guard() != null) {
            System.err.println("ferry-watcher: dry run: a real run would refuse: " + scan.guard());
            return WatcherRuntime.EXIT_FAILED;
        }
        List<Message.PlanEntry> tree = new ArrayList<>(cache.size());
        for (Map.Entry<String, CachedEntry> e : cache.entries().entrySet()) {
            CachedEntry c = e.getValue();
            var m = c.manifest(e.getKey());
            tree.add(new Message.PlanEntry(e.getKey(), m.digest(), m.contentDigest(), c.type() == EntryType.DIRECTORY));
        }
        // The source's ignore rules go in the hello, as a real run sends them: the store plans with them.
        IgnoreSet ignore = ignores.set();
        Message.Hello hello = new Message.Hello(Message.VERSION, clientId(source), params, cache.rootDigest(),
                cache.size(), sourceId, args.takeOver() ? Boolean.TRUE : null, ignore, Boolean.TRUE);
        Message.Welcome welcome;
        List<Message.PlannedItem> plan;
        try (PlanExchange exchange = PlanExchange.open(store, config.token(), tls, w.onceTimeout())) {
            welcome = exchange.hello(hello);
            if (cache.size() == 0 && !welcome.inSync() && !w.allowEmptySource()) {
                System.err.println("ferry-watcher: dry run: a real run would refuse: the source folder is empty but "
                        + "the store's mirror is not (set ferry.watcher.allow-empty-source=true to allow it)");
                return WatcherRuntime.EXIT_FAILED;
            }
            plan = exchange.plan(tree);
        } catch (PlanExchange.Refused e) {
            System.err.println("ferry-watcher: dry run: " + (e.fromStore ? "the store refused (" + e.code + "): " : "")
                    + e.getMessage());
            ErrorCode code = e.errorCode();
            return code == ErrorCode.WRONG_SOURCE || code == ErrorCode.VERSION || code == ErrorCode.CHUNKER_MISMATCH
                    ? WatcherRuntime.EXIT_INCOMPATIBLE : WatcherRuntime.EXIT_FAILED;
        } catch (Exception e) {
            System.err.println("ferry-watcher: dry run failed: " + e);
            return WatcherRuntime.EXIT_FAILED;
        }
        // A state synced to another store is dropped by a real run, which then starts from the store's index: no
        // deletion of it goes through the brake.
        String held = cachedStore == null || cachedStore.equals(welcome.storeId()) ? scan.held() : null;
        PlanReport.Upload upload = upload(store, tls, cache, plan);
        for (String line : PlanReport.lines(plan, upload, held, cache.size())) {
            out.println(line);
        }
        out.flush();
        return WatcherRuntime.EXIT_OK;
    }

    /** What the scan found: why a real run would refuse the source (null: it would not), what its brake would hold. */
    private record Scan(String guard, String held) {
    }

    /**
     * Brings the in-memory cache to SOURCE as a real run's first scan would (only changed files are hashed). When
     * the delete brake holds deletions, says so and lets them go, so that the plan lists them.
     */
    private Scan scan(Path source, LocalStateCache cache, DeleteBrake brake, boolean allowEmpty,
                      SourceIgnoreRules ignores) {
        SourceScanner scanner = new SourceScanner(source);
        FileHasher hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner, new ChunkChecksums());
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "ferry-hash");
            t.setDaemon(true);
            return t;
        });
        try {
            ChangeDetector detector = new ChangeDetector(scanner, hasher, cache, change -> { }, allowEmpty, pool,
                    4 * threads, brake, ignores);
            ChangeDetector.FlushResult result = detector.flush(DirtySet.everything());
            if (result.guarded()) {
                return new Scan(result.why(), null);
            }
            String held = brake.message();
            if (brake.holding()) {
                brake.release();
                detector.flush(DirtySet.everything());
            }
            return new Scan(null, held);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The chunks of the files a sync would write anew that the store lacks, counted once each. */
    private PlanReport.Upload upload(StoreAddress store, SSLContext tls, LocalStateCache cache,
                                     List<Message.PlannedItem> plan) {
        Map<ChunkHash, Integer> wanted = new LinkedHashMap<>();
        for (Message.PlannedItem item : plan) {
            boolean content = item.op().equals("create") || (item.op().equals("update") && "contents".equals(item.detail()));
            CachedEntry c = content ? cache.get(item.path()) : null;
            if (c != null && c.type() == EntryType.FILE) {
                for (ChunkRef ref : c.chunks()) {
                    wanted.putIfAbsent(ref.hash(), ref.length());
                }
            }
        }
        if (wanted.isEmpty()) {
            return new PlanReport.Upload(0, 0, null);
        }
        try {
            Set<ChunkHash> lacking = new MissingChunks(store, config.token(), tls, config.watcher().onceTimeout())
                    .lacking(new ArrayList<>(wanted.keySet()));
            long bytes = 0;
            for (ChunkHash h : lacking) {
                bytes += wanted.getOrDefault(h, 0);
            }
            return new PlanReport.Upload(lacking.size(), bytes, null);
        } catch (Exception e) {
            LOG.warnf("cannot ask the store which chunks it lacks: %s", e.toString());
            return PlanReport.Upload.unknown("the store did not say which chunks it lacks: " + e.getMessage());
        }
    }

    /**
     * The source id a real run would send: the one kept in the state folder, or, when there is none yet, a new one
     * that a real first run would make too (a store bound to another source refuses it alike); it is not kept.
     */
    private static String existingSourceId(Path stateDir) throws java.io.IOException {
        if (Files.exists(stateDir.resolve(SourceIdentity.FILE), LinkOption.NOFOLLOW_LINKS)) {
            return SourceIdentity.load(stateDir);
        }
        return UUID.randomUUID().toString();
    }

    private static String clientId(Path source) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            host = "watcher";
        }
        return host + ":" + StateDirectory.sourceKey(source) + ":dry-run";
    }

    private static void closeQuietly(LocalStateCache cache) {
        try {
            cache.close();
        } catch (java.io.IOException | RuntimeException e) {
            // A temporary copy: nothing to keep.
        }
    }
}
