package dev.ferry.watcher.runtime;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Message;
import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.FerryConfig;
import dev.ferry.watcher.config.FolderName;
import dev.ferry.watcher.config.SourceIdentity;
import dev.ferry.watcher.config.StateDirectory;
import dev.ferry.watcher.control.BandwidthRate;
import dev.ferry.watcher.control.ByteSize;
import dev.ferry.watcher.control.PauseFile;
import dev.ferry.watcher.control.SendGate;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.progress.Progress;
import dev.ferry.watcher.progress.ProgressFormat;
import dev.ferry.watcher.progress.ProgressMeter;
import dev.ferry.watcher.progress.TerminalDisplay;
import dev.ferry.watcher.scan.ChunkChecksums;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.store.StoreAddress;
import dev.ferry.watcher.store.StoreConnection;
import dev.ferry.watcher.store.StoreTls;
import dev.ferry.watcher.sync.ChangeDetector;
import dev.ferry.watcher.sync.DeleteBrake;
import dev.ferry.watcher.sync.SyncEngine;
import dev.ferry.watcher.sync.SyncStatus;
import dev.ferry.watcher.sync.WatchedTree;
import dev.ferry.watcher.upload.BatchRecord;
import dev.ferry.watcher.upload.ChunkUploader;
import dev.ferry.watcher.watch.ChangeAggregator;
import dev.ferry.watcher.watch.DirectoryWatcher;
import io.quarkus.runtime.Quarkus;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The watcher for one source, assembled from the command line and the {@code ferry.*} settings: scanner,
 * hasher, local state cache, sync engine, file system watcher, store connection and uploader, with their threads.
 * Runs until stopped, or in {@code --once} mode until the store confirms the mirror.
 */
@ApplicationScoped
public class WatcherRuntime {
    private static final Logger LOG = Logger.getLogger(WatcherRuntime.class);
    /** After the initial sync, the progress line (or log line) appears for queued work at least this large. */
    static final long LARGE_WORK_BYTES = 8L * 1024 * 1024;

    /** Exit codes of the watcher process. */
    static final int HASH_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_INCOMPATIBLE = 3;

    private final FerryConfig config;
    private volatile Running running;
    private volatile int exitCode = EXIT_OK;

    public WatcherRuntime(FerryConfig config) {
        this.config = config;
    }

    /** Status of the running watcher; empty before it starts. */
    public Optional<SyncStatus> status() {
        Running r = running;
        return r == null ? Optional.empty() : Optional.of(r.status);
    }

    /** Progress of the running watcher (counters, rates, time left); empty before it starts. */
    public Optional<Progress> progress() {
        Running r = running;
        return r == null ? Optional.empty() : Optional.of(r.meter.current(System.nanoTime()));
    }

    /** Releases the deletions the brake holds; the entries released (0 when none, or before it starts). */
    public long releaseDeletes() {
        Running r = running;
        return r == null ? 0 : r.engine.releaseDeletes();
    }

    /** The bandwidth limit in force; empty before the watcher starts. */
    public Optional<BandwidthRate> bwlimit() {
        Running r = running;
        return r == null ? Optional.empty() : Optional.of(r.gate.rate());
    }

    /** Changes the bandwidth limit now (false before the watcher starts). */
    public boolean bwlimit(BandwidthRate rate) {
        Running r = running;
        if (r == null) {
            return false;
        }
        BandwidthRate before = r.gate.rate();
        r.gate.rate(rate);
        LOG.infof("bandwidth limit %s (was %s)", rate, before);
        return true;
    }

    /**
     * Stops sending to the store until {@link #resume()}; true when it was not paused. Not running yet, or a
     * {@code --once} run: IllegalStateException.
     */
    public boolean pause() {
        return controllable().pause();
    }

    /** Sends again, first whatever changed while paused; true when it was paused. */
    public boolean resume() {
        return controllable().resume();
    }

    private Running controllable() {
        Running r = running;
        if (r == null) {
            throw new IllegalStateException("the watcher is still starting");
        }
        if (r.once) {
            throw new IllegalStateException("a --once run cannot be paused");
        }
        return r;
    }

    /** Exit code the process should end with (set by a fatal error). */
    public int exitCode() {
        return exitCode;
    }

    /** Starts watching and syncing in the background; a non-zero result means it could not start. */
    public synchronized int start(Arguments args) {
        if (running != null) {
            return EXIT_OK;
        }
        try {
            running = new Running(args);
        } catch (StartupException e) {
            System.err.println("ferry-watcher: " + e.getMessage());
            return EXIT_USAGE;
        }
        running.start();
        return EXIT_OK;
    }

    /** {@code --once}: one full reconcile; 0 when the store confirms the mirror, else non-zero. */
    public int runOnce(Arguments args) {
        int started = start(args);
        if (started != EXIT_OK) {
            return started;
        }
        Duration timeout = config.watcher().onceTimeout();
        try {
            return running.result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.errorf("--once: the mirror was not confirmed in sync within %d s (ferry.watcher.once-timeout)",
                    timeout.toSeconds());
            return EXIT_FAILED;
        } catch (Exception e) {
            LOG.error("--once failed", e);
            return EXIT_FAILED;
        } finally {
            stop();
        }
    }

    @PreDestroy
    public synchronized void stop() {
        Running r = running;
        if (r != null) {
            r.stop();
        }
    }

    @Scheduled(every = "${ferry.watcher.rescan-interval}", delayed = "${ferry.watcher.rescan-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void safetyRescan() {
        Running r = running;
        if (r != null && r.aggregator != null && !r.once) {
            LOG.debug("periodic safety rescan");
            r.aggregator.fullRescan();
        }
    }

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void progressLog() {
        Running r = running;
        if (r != null && r.display == null) {
            r.logProgress();
        }
    }

    /** A start-up problem the user must fix (printed as is, exit 2). */
    static final class StartupException extends Exception {
        StartupException(String message) {
            super(message);
        }
    }

    /** Everything one run owns. */
    private final class Running implements SyncEngine.Outcome {
        final boolean once;
        final SyncStatus status;
        final CompletableFuture<Integer> result = new CompletableFuture<>();
        final ScheduledExecutorService tree = Executors.newSingleThreadScheduledExecutor(named("ferry-tree"));
        final ExecutorService protocol = Executors.newSingleThreadExecutor(named("ferry-protocol"));
        final ScheduledExecutorService connect = Executors.newSingleThreadScheduledExecutor(named("ferry-connect"));
        /** Samples the progress counters (and redraws the terminal's line) every ferry.watcher.progress-interval. */
        final ScheduledExecutorService progressTimer = Executors.newSingleThreadScheduledExecutor(named("ferry-progress"));
        /** Hashes files for the tree thread, one per core: FastCDC and SHA-256 are CPU-bound. */
        final ExecutorService hashPool = Executors.newFixedThreadPool(HASH_THREADS, named("ferry-hash"));
        final FileHasher hasher;
        final LocalStateCache cache;
        final ChunkUploader uploader;
        final SyncEngine engine;
        final ChangeAggregator aggregator;
        final DirectoryWatcher watcher;
        final StoreConnection connection;
        final Path stateDir;
        final ProgressMeter meter;
        /** The terminal's progress line, or null when progress goes to the log. */
        final TerminalDisplay display;
        /** The bandwidth limit and pause switch of everything sent to the store. */
        final SendGate gate;
        long loggedHashed = -1;
        long loggedUploaded = -1;
        boolean stopped;

        Running(Arguments args) throws StartupException {
            this.once = args.once();
            Path source = args.source();
            StoreAddress store;
            try {
                store = StoreAddress.parse(args.store().orElseThrow())
                        .withFolder(FolderName.choose(args.folder(), config.folder()));
            } catch (IllegalArgumentException e) {
                throw new StartupException(e.getMessage());
            }
            FerryConfig.Watcher w = config.watcher();
            try {
                stateDir = StateDirectory.resolve(source, w.stateDir(), System.getenv(), System.getProperty("user.home"));
                StateDirectory.prepare(stateDir);
            } catch (IllegalArgumentException e) {
                throw new StartupException(e.getMessage());
            }
            Optional<String> token = config.token();
            if (token.filter(t -> !t.isBlank()).isPresent() && store.cleartextToNetwork()) {
                LOG.warnf("the token (FERRY_TOKEN) goes in clear over the network to %s: use https:// for a store "
                        + "on another machine", store);
            }
            javax.net.ssl.SSLContext tls = null;
            if ("https".equalsIgnoreCase(store.base().getScheme())) {
                try {
                    tls = StoreTls.context(w.tlsTrust(), w.tlsTrustPassword());
                } catch (IllegalArgumentException e) {
                    throw new StartupException(e.getMessage());
                }
            } else if (w.tlsTrust().isPresent()) {
                LOG.warnf("ferry.watcher.tls-trust is set but the store %s is not https://: ignored", store);
            }
            DeleteBrake brake;
            try {
                brake = new DeleteBrake(DeleteBrake.Limit.parse(w.maxDelete()));
            } catch (IllegalArgumentException e) {
                throw new StartupException(e.getMessage());
            }
            String rate = args.bwlimit().orElse(w.bwlimit());
            try {
                gate = new SendGate(BandwidthRate.parse(rate));
            } catch (IllegalArgumentException e) {
                throw new StartupException(e.getMessage() + (args.bwlimit().isPresent() ? ""
                        : " (ferry.watcher.bwlimit / FERRY_WATCHER_BWLIMIT)"));
            }
            List<String> excludes = new java.util.ArrayList<>(w.exclude().orElse(List.of()));
            excludes.addAll(args.excludes());
            String excludeProblem = SourceIgnoreRules.problem(excludes);
            if (excludeProblem != null) {
                throw new StartupException(excludeProblem);
            }
            SourceIgnoreRules ignores = new SourceIgnoreRules(excludes, stateDir.resolve(SourceIgnoreRules.STATE_FILE));
            status = new SyncStatus(source.toString(), store.toString());
            ChunkerParams params = ChunkerParams.DEFAULT;
            SourceScanner scanner = new SourceScanner(source);
            ChunkChecksums checksums = new ChunkChecksums();
            hasher = new FileHasher(new FastCdc(params), scanner, checksums);
            cache = LocalStateCache.load(stateDir, source.toString(), params);
            // The pipeline, top stage first; each stage gets the ones below it, and the sinks it reports to, by
            // constructor: watch (aggregator, file system watcher) -> sync (detector, batches) -> upload -> store.
            aggregator = new ChangeAggregator(w.quietDelay(), w.maxDelay(), tree);
            try {
                watcher = once ? null : new DirectoryWatcher(aggregator, source, ignores::ignoredAnyway);
            } catch (IOException e) {
                throw new StartupException("cannot watch the source folder: " + e.getMessage());
            }
            // A file that changed since it was hashed is looked at again by the watch stage.
            uploader = new ChunkUploader(store, token, scanner, status, aggregator::pathChanged,
                    w.uploadConcurrency(), (int) Math.min(Integer.MAX_VALUE - 64, w.uploadBatchBytes().asLongValue()),
                    w.retryMaxDelay(), tls, checksums, w.compress(), gate);
            SyncEngine.Settings settings = SyncEngine.Settings.defaults(w.quietDelay(), w.retryMaxDelay(), once,
                    w.allowEmptySource(), clientId(source), w.reconcileMaxDelay());
            engine = new SyncEngine(settings, params, cache,
                    listener -> new ChangeDetector(scanner, hasher, cache, listener, w.allowEmptySource(), hashPool,
                            4 * HASH_THREADS, brake, ignores),
                    aggregator, watcher == null ? WatchedTree.NONE : watcher, uploader, status, tree, protocol, this);
            engine.identify(sourceId(stateDir), args.takeOver());
            connection = new StoreConnection(store, token, w.retryMaxDelay(), engine, connect, tls, gate, this::refused);
            Optional<Instant> pausedAt;
            try {
                pausedAt = PauseFile.load(stateDir);
            } catch (IOException e) {
                throw new StartupException("cannot read " + stateDir.resolve(PauseFile.FILE) + ": " + e.getMessage());
            }
            if (pausedAt.isPresent() && once) {
                LOG.warnf("this source's watcher is paused (since %s, %s): --once syncs anyway and leaves it paused",
                        pausedAt.get(), stateDir.resolve(PauseFile.FILE));
            } else if (pausedAt.isPresent()) {
                gate.paused(true);
                connection.pause();
                status.paused(pausedAt.get());
            }
            status.bindWork(new SyncStatus.Work() {
                public long filesHashed() {
                    return hasher.filesHashed();
                }

                public long bytesHashed() {
                    return hasher.bytesHashed();
                }

                public long filesQueuedForHashing() {
                    return hasher.filesQueued();
                }

                public long bytesQueuedForHashing() {
                    return hasher.bytesQueued();
                }

                public long chunksQueuedForUpload() {
                    return uploader.queuedChunks();
                }

                public long bytesQueuedForUpload() {
                    return uploader.queuedBytes();
                }
            });
            meter = new ProgressMeter(status, Duration.ofSeconds(10));
            boolean json = ConfigProvider.getConfig().getOptionalValue("quarkus.log.console.json.enabled", Boolean.class)
                    .orElse(false);
            display = w.progress().terminal(TerminalDisplay.stdoutIsTerminal(), json) ? new TerminalDisplay(System.out) : null;
        }

        void start() {
            TerminalDisplay.activate(display);
            LOG.infof("%s %s -> store %s (%d entries known, state in %s)", once ? "syncing once" : "watching",
                    status.source(), status.store(), cache.size(), stateDir);
            if (status.pausedSince() != null) {
                LOG.warnf("PAUSED since %s (%s, kept across restarts): nothing is sent to the store until "
                        + "'ferry-watcher resume'; changes are watched and sent then", status.pausedSince(),
                        stateDir.resolve(PauseFile.FILE));
            }
            if (!gate.rate().unlimited()) {
                LOG.infof("bandwidth limit %s (everything sent to the store)", gate.rate());
            }
            uploader.start();
            if (watcher != null) {
                watcher.start();
            }
            engine.start();
            connection.start();
            long every = Math.max(10, config.watcher().progressInterval().toMillis());
            progressTimer.scheduleWithFixedDelay(this::tick, every, every, TimeUnit.MILLISECONDS);
        }

        /** Samples the counters; on a terminal, redraws the progress line or takes it away when there is no work. */
        synchronized void tick() {
            Progress p = meter.sample(System.nanoTime());
            if (display == null || stopped) {
                return;
            }
            if (worthShowing(p)) {
                display.draw(ProgressFormat.line(status.state(), p) + ProgressFormat.held(status.deletesHeld()));
            } else {
                display.clearLine();
            }
        }

        /** The initial sync, and later any large hashing or upload. */
        private boolean worthShowing(Progress p) {
            if (!status.confirmedOnce() || status.deletesHeld() > 0) {
                return true;
            }
            return p.bytesQueuedForHashing() >= LARGE_WORK_BYTES || p.bytesQueuedForUpload() >= LARGE_WORK_BYTES;
        }

        /** Without a terminal: the progress line in the log every 2 s while there is news worth showing. */
        void logProgress() {
            if (stopped) {
                return;
            }
            Progress p = meter.current(System.nanoTime());
            if (!worthShowing(p) && !status.state().equals("scanning")) {
                return;
            }
            if (p.bytesHashed() == loggedHashed && p.bytesUploaded() == loggedUploaded) {
                return;
            }
            loggedHashed = p.bytesHashed();
            loggedUploaded = p.bytesUploaded();
            LOG.infof("%s, %d batches in flight%s", ProgressFormat.line(status.state(), p), status.pendingBatches(),
                    ProgressFormat.held(status.deletesHeld()));
        }

        @Override
        public void acknowledged(BatchRecord batch, List<Message.Failure> failed) {
            if (display == null) {
                SyncEngine.Outcome.super.acknowledged(batch, failed);
                return;
            }
            for (String line : ProgressFormat.changes(batch.items(), failed)) {
                display.println(line);
            }
        }

        @Override
        public void synced() {
            if (once) {
                result.complete(EXIT_OK);
            }
        }

        /**
         * The store refused the token (401), or the folder for this token (403): final for --once (exit 1 now, true),
         * shown in /status (state refused) and readiness while watching.
         */
        boolean refused(String why) {
            status.refused("store " + status.store() + " " + why);
            if (once) {
                result.complete(EXIT_FAILED);
            }
            return once;
        }

        @Override
        public void failed(String why, int code) {
            status.error(why);
            if (once) {
                result.complete(code);
            } else {
                exitCode = code;
                Quarkus.asyncExit(code);
            }
        }

        synchronized boolean pause() {
            if (gate.paused()) {
                return false;
            }
            Instant now = Instant.now();
            gate.paused(true);
            status.paused(now);
            connection.pause();
            try {
                PauseFile.save(stateDir, now);
            } catch (IOException e) {
                LOG.warnf("cannot keep the pause in %s (%s): a restart will not be paused", stateDir, e.getMessage());
            }
            LOG.warn("PAUSED: nothing is sent to the store until 'ferry-watcher resume'; changes are watched and sent then");
            return true;
        }

        synchronized boolean resume() {
            if (!gate.paused()) {
                return false;
            }
            try {
                PauseFile.clear(stateDir);
            } catch (IOException e) {
                LOG.warnf("cannot remove %s (%s): a restart will be paused again", stateDir.resolve(PauseFile.FILE),
                        e.getMessage());
            }
            long held = status.changesWhilePaused();
            gate.paused(false);
            status.paused(null);
            connection.resume();
            LOG.infof("resumed: sending what changed while paused (changes seen by this process: %d)", held);
            return true;
        }

        synchronized void stop() {
            if (stopped) {
                return;
            }
            stopped = true;
            progressTimer.shutdownNow();
            if (display != null) {
                display.clearLine();
                TerminalDisplay.activate(null);
            }
            connection.stop();
            if (watcher != null) {
                watcher.close();
            }
            uploader.close();
            engine.saveAndWait();
            tree.shutdownNow();
            protocol.shutdownNow();
            connect.shutdownNow();
            hashPool.shutdownNow();
            closeState();
        }

        /** Closes the state database once the tree thread, its only user, has stopped (it releases the file's lock). */
        private void closeState() {
            try {
                if (!tree.awaitTermination(10, TimeUnit.SECONDS)) {
                    LOG.warn("the tree thread did not stop in 10 s: closing the local state under it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                cache.close();
            } catch (IOException | RuntimeException e) {
                LOG.warnf("cannot close the local state in %s (%s): the next start reads its last commit",
                        stateDir, e.getMessage());
            }
        }
    }

    /**
     * This source's persistent id, or null when the state folder can neither hold nor give one (read-only, say):
     * the watcher then syncs as an older one did, which only a store not yet bound to a source accepts.
     */
    private static String sourceId(Path stateDir) throws StartupException {
        Path file = stateDir.resolve(SourceIdentity.FILE);
        try {
            return SourceIdentity.load(stateDir);
        } catch (java.nio.file.FileSystemException e) {
            if (java.nio.file.Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new StartupException("cannot read this source's identity: " + e.getMessage());
            }
            LOG.warnf("cannot keep this source's identity in %s (%s): syncing without one, so a store already bound "
                    + "to a source will refuse this watcher", file, e.getMessage());
            return null;
        } catch (IOException e) {
            throw new StartupException("cannot read or make this source's identity: " + e.getMessage());
        }
    }

    private static String clientId(Path source) {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            host = "watcher";
        }
        return host + ":" + StateDirectory.sourceKey(source);
    }

    private static ThreadFactory named(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
