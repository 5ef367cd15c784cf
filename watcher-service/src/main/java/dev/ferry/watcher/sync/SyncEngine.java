package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.protocol.session.MessageDispatch;
import dev.ferry.protocol.session.WatcherMessages;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.watcher.control.ByteSize;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.store.StoreLink.ConnectionControl;
import dev.ferry.watcher.store.StoreLink;
import dev.ferry.watcher.upload.BatchRecord;
import dev.ferry.watcher.upload.ChunkUploads;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives the sync conversation of docs/CONTRACT-DRAFT.md over whatever {@link StoreLink} is current: hello with
 * the cache's root digest, the index reconcile when the store is not in sync, numbered {@code changes} batches
 * (bounded in size and in number unacknowledged), uploads on {@code missing}, and a {@code check} whenever
 * nothing is left in flight.
 *
 * <p>Threads: everything that reads or changes the cache, and every frame sent, runs on the single "tree"
 * thread (flushes, hello, index, need, check), so the items a session sees are always in cache order. Frames
 * from the store are decoded and dispatched on a separate protocol thread, which handles {@code missing} and
 * {@code ack} itself (so acknowledgements flow while the tree thread hashes or waits for room) and passes the
 * rest to the tree thread.
 *
 * <p>Its place in the pipeline: the watch stage above hands it {@link DirtySet}s ({@link DirtyPaths}); the
 * {@link ChangeDetector} turns them into changes; a {@link Batcher} gathers them into batches, sent in the
 * {@link PatchEncoder}'s wire form; a {@link Reconciler} agrees with the store on what differs; the uploads below take
 * the chunks the store asks for ({@link ChunkUploads}), and the transport below reports to it as a
 * {@link StoreLink.Listener}. It reaches the watch stage only through {@link DirtyPaths} and {@link WatchedTree}.
 */
public final class SyncEngine implements ChangeDetector.Listener, StoreLink.Listener {
    private static final Logger LOG = Logger.getLogger(SyncEngine.class);
    private static final int ONCE_MAX_RECONCILES = 3;

    /**
     * Tuning of the engine.
     *
     * @param quietDelay       base delay before a file that changed while hashed is looked at again
     * @param retryMaxDelay    cap of every backoff
     * @param once             stop after the first confirmed sync
     * @param allowEmptySource mirror an empty source even though the store holds files
     * @param clientId         sent in hello
     * @param maxInFlight      batches sent and not acknowledged at most
     * @param maxBatchItems    items per batch at most
     * @param maxBatchBytes    estimated frame size per batch at most
     * @param indexBatchSize   entries per index frame
     * @param earlyHelloWait   how long the initial scan waits for a store to say whether it has the cached tree
     * @param reconcileMaxDelay cap of the backoff between reconciles while the store keeps failing to apply
     *                          something (a full disk): 1 s, 2 s, 4 s ... up to this
     */
    public record Settings(Duration quietDelay, Duration retryMaxDelay, boolean once, boolean allowEmptySource,
                           String clientId, int maxInFlight, int maxBatchItems, long maxBatchBytes, int indexBatchSize,
                           Duration earlyHelloWait, Duration reconcileMaxDelay) {

        public static Settings defaults(Duration quietDelay, Duration retryMaxDelay, boolean once,
                                        boolean allowEmptySource, String clientId, Duration reconcileMaxDelay) {
            return new Settings(quietDelay, retryMaxDelay, once, allowEmptySource, clientId, 8, 1000,
                    4L * 1024 * 1024, 5000, EARLY_HELLO_WAIT, reconcileMaxDelay);
        }
    }

    /** How long a continuous watcher waits between attempts at a store that belongs to another source. */
    static final Duration REFUSED_RETRY = Duration.ofMinutes(1);

    /** How a run ends: the first confirmed sync in --once mode, or a failure that stops the watcher. */
    public interface Outcome {
        void synced();

        void failed(String why, int exitCode);

        /** The store acknowledged {@code batch}; {@code failed} lists the items it could not apply. */
        default void acknowledged(BatchRecord batch, List<Message.Failure> failed) {
            LOG.info(BatchLog.describe(batch, failed.size()));
        }
    }

    private enum Phase { HELLO_SENT, INDEX_SENT, LIVE, GUARDED }

    /** This source's persistent id ({@code SourceIdentity}), sent in hello; null sends none. */
    private volatile String sourceId;
    /** {@code --take-over}: sent in hellos until a store welcomes this source once. */
    private volatile boolean takeOver;
    /** The last wrong-source refusal logged, so a continuous watcher logs it once, not every minute. */
    private volatile String refusedWith;

    /** How long the initial scan waits for a store to say whether the cached tree is already its tree. */
    static final Duration EARLY_HELLO_WAIT = Duration.ofSeconds(3);
    /** Items of a long flush (a scan hashing a large tree) are sent at least this often, so uploads start early. */
    static final long BATCH_LINGER_NS = 100_000_000L;

    /** One connection's conversation; touched only on the tree thread. */
    private static final class Session {
        final StoreLink link;
        Phase phase = Phase.HELLO_SENT;
        final List<Change> deferred = new ArrayList<>();
        boolean deferredOverflow;
        /** The next batch, gathering. */
        final Batcher batcher;
        boolean checkNeeded = true;
        /** Paths the store asked for during this session's reconcile, over all its need frames. */
        long needed;
        boolean checkOutstanding;
        int reconcileAttempts;
        /** The root digest the hello carried (the store's inSync verdict is about it). */
        String helloRoot;
        /** The store speaks protocol 2: file changes may go as patches. */
        boolean patches;
        /** The ignore rules the store has from this session (the hello's, then each ignore message's). */
        IgnoreSet rules;
        /** Patch bases of the file upserts in {@link #batcher} and {@link #deferred}, by identity. */
        final Map<Change, PatchEncoder.Base> bases = new IdentityHashMap<>();

        Session(StoreLink link, Settings settings) {
            this.link = link;
            this.batcher = new Batcher(settings.maxBatchItems(), settings.maxBatchBytes(), BATCH_LINGER_NS);
        }
    }

    private final Settings settings;
    private final ChunkerParams params;
    private final LocalStateCache cache;
    private final ChangeDetector detector;
    private final Reconciler reconciler;
    private final DirtyPaths dirtyPaths;
    private final WatchedTree watched;
    private final ChunkUploads uploads;
    private final SyncStatus status;
    private final ScheduledExecutorService tree;
    private final Executor protocol;
    private final Outcome outcome;
    /** Long enough for one 8 MiB upload on a slow link; only a session that is really stuck hits it. */
    static final Duration STALL_TIMEOUT = Duration.ofMinutes(5);
    private static final long ROOT_POLL_MS = 1000;
    private final InFlightBatches inFlight = new InFlightBatches();
    private final FromStore fromStore = new FromStore();
    private final AtomicLong nextBatch = new AtomicLong();
    /** The backoff control of the connection last opened. */
    private volatile ConnectionControl connection = ConnectionControl.NONE;
    private Session session;
    /** The initial full scan has started (tree thread). */
    private boolean scanned;
    private ScheduledFuture<?> saveTask;
    private boolean saveWarned;
    private boolean everSynced;
    private final FailureLog failures = new FailureLog();
    private volatile String lastDiffers = "";
    /** A store has welcomed this watcher since it started (tree thread). */
    private boolean welcomed;
    /** The last flush was refused by the empty-source guard; the root is polled until that changes. */
    private boolean guarded;

    /**
     * @param dirtyPaths the watch stage's aggregator: its flushes come to {@link #flush}, and paths to look at again
     *                   go to it
     * @param watched    the directories the file system watcher watches ({@link WatchedTree#NONE} with --once)
     */
    public SyncEngine(Settings settings, ChunkerParams params, LocalStateCache cache, ChangeDetector.Factory detectorFactory,
                      DirtyPaths dirtyPaths, WatchedTree watched, ChunkUploads uploads, SyncStatus status,
                      ScheduledExecutorService tree, Executor protocol, Outcome outcome) {
        this.settings = settings;
        this.params = params;
        this.cache = cache;
        this.detector = detectorFactory.create(this);
        this.reconciler = new Reconciler(cache, settings.indexBatchSize());
        this.dirtyPaths = dirtyPaths;
        this.watched = watched;
        this.uploads = uploads;
        this.status = status;
        this.tree = tree;
        this.protocol = protocol;
        this.outcome = outcome;
        status.bind(cache::fileCount, cache::byteCount, inFlight::size);
        status.bind(detector.deleteBrake());
        dirtyPaths.deliverTo(this::flush);
    }

    /**
     * Lets the deletions the brake holds go (any thread): a full rescan sends them. Returns the entries released,
     * 0 when nothing was held.
     */
    public long releaseDeletes() {
        long released = detector.deleteBrake().release();
        if (released > 0) {
            LOG.warnf("released %d held deletions: the mirror follows the source again", released);
            dirtyPaths.fullRescan();
        }
        return released;
    }

    /**
     * Schedules the initial full scan. A store that answers within {@code earlyHelloWait} gets a hello with the
     * cached tree first: when that is already its tree, the session goes live and the scan's changes are sent while
     * the rest is still being hashed (uploads overlap hashing); otherwise the scan runs before the reconcile.
     */
    public void start() {
        tree.schedule(this::initialScanOnce, settings.earlyHelloWait().toMillis(), TimeUnit.MILLISECONDS);
        tree.scheduleWithFixedDelay(() -> {
            Session s = session;
            if (s != null) {
                dropIfStalled(s);
            }
        }, 15, 15, TimeUnit.SECONDS);
        tree.scheduleWithFixedDelay(this::pollRoot, ROOT_POLL_MS, ROOT_POLL_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * An unmounted disk leaves its empty mount point without an event, and a root that reappears has no watch yet:
     * a cheap look at the root starts a full rescan whenever the guard's verdict would change.
     */
    private void pollRoot() {
        if (settings.once() || !scanned) {
            // Before the initial scan the store may still say the cached state is not its own (then the guard
            // has nothing to count): the scan decides.
            return;
        }
        if (detector.wouldGuard() != guarded) {
            dirtyPaths.fullRescan();
        }
    }

    // ---- tree thread -------------------------------------------------------------------------------------------

    private void initialScanOnce() {
        // An empty or missing root with a cached tree would trip the empty-source guard, but that tree may be
        // another store's (the welcome tells): such a scan waits for the welcome.
        if (!scanned && (welcomed || !detector.wouldGuard())) {
            initialScan();
        }
    }

    private void initialScan() {
        scanned = true;
        long t0 = System.nanoTime();
        // Unless the session is live, the scan's changes are not sent one by one: the reconcile that follows
        // sends whatever differs (a session waiting for its welcome would otherwise defer them all, and send
        // them besides).
        Session waiting = session != null && session.phase != Phase.LIVE ? session : null;
        if (waiting != null) {
            session = null;
        }
        status.scanning(true);
        ChangeDetector.FlushResult result;
        try {
            result = detector.flush(DirtySet.everything());
        } finally {
            status.scanning(false);
            if (waiting != null && session == null && waiting.link.isOpen()) {
                session = waiting;
            }
        }
        LOG.infof("scanned %s: %d entries, %d files, %s in %d ms", status.source(), cache.size(), cache.fileCount(),
                ByteSize.format(cache.byteCount()), (System.nanoTime() - t0) / 1_000_000);
        noteGuard(result);
        if (result.guarded() && settings.once()) {
            outcome.failed(result.why(), 1);
            return;
        }
        afterFlush(result);
    }

    /** One flush of dirty paths; called by the aggregator on the tree thread. */
    public void flush(DirtySet dirty) {
        boolean full = dirty.full();
        if (full) {
            status.scanning(true);
        }
        ChangeDetector.FlushResult result;
        try {
            result = detector.flush(dirty);
        } catch (RuntimeException e) {
            LOG.error("flush failed; rescanning everything later", e);
            status.error("flush failed: " + e);
            return;
        } finally {
            if (full) {
                status.scanning(false);
            }
        }
        noteGuard(result);
        Session s = session;
        if (full && s != null && s.phase == Phase.LIVE) {
            // A quiet source sends no batch, yet the store may have dropped an entry it could not restore (its
            // chunks were corrupt): a full rescan also asks for a check, so the mirror converges anyway.
            s.checkNeeded = true;
        }
        afterFlush(result);
    }

    private void noteGuard(ChangeDetector.FlushResult result) {
        if (result.guarded()) {
            status.error(result.why());
        } else if (guarded) {
            LOG.info("the source folder is back: syncing again");
            status.error(null);
        }
        guarded = result.guarded();
    }

    private void afterFlush(ChangeDetector.FlushResult result) {
        String ignoreProblem = detector.ignoreProblem();
        if (settings.once() && ignoreProblem != null) {
            // What lies below that folder is unknown: the mirror cannot be confirmed equal to the source.
            outcome.failed(ignoreProblem, 1);
            return;
        }
        if (settings.once() && detector.deleteBrake().holding()) {
            // The held entries stay in the store's mirror, so it would be confirmed "in sync": it is not.
            outcome.failed(detector.deleteBrake().message(), 1);
            return;
        }
        Session s = session;
        if (s != null) {
            if (s.phase == Phase.LIVE) {
                sendBatch(s);
                maybeCheck(s);
            } else if (s.phase == Phase.GUARDED && cache.size() > 0) {
                startReconcile(s);
            }
        }
        scheduleSave();
    }

    @Override
    public void emit(Change change) {
        emit(change, null, null);
    }

    @Override
    public void emit(Change change, String basePath, Manifest base) {
        if (change instanceof Change.Move mv) {
            // Chunks the store still waits for under the old path must now be read from the new one.
            uploads.moved(mv.from(), mv.path(), nextBatch.get());
        }
        Session s = session;
        if (s == null) {
            status.changedWhilePaused();
            return;
        }
        switch (s.phase) {
            case LIVE:
                if (base != null) {
                    s.bases.put(change, new PatchEncoder.Base(basePath, base));
                }
                add(s, change);
                break;
            case HELLO_SENT:
            case INDEX_SENT:
                if (s.deferred.size() < 100_000) {
                    if (base != null) {
                        s.bases.put(change, new PatchEncoder.Base(basePath, base));
                    }
                    s.deferred.add(change);
                } else {
                    s.deferredOverflow = true;
                }
                break;
            default:
                break;
        }
    }

    @Override
    public void watchDirectory(String dirPath, Path dir) {
        watched.register(dirPath, dir);
    }

    @Override
    public void directoryMoved(String from, String to) {
        watched.moved(from, to);
    }

    @Override
    public void removed(String path) {
        watched.forget(path);
    }

    @Override
    public void ignored(String path) {
        watched.unwatch(path);
    }

    @Override
    public void ignoreRulesChanged(IgnoreSet rules) {
        Session s = session;
        if (s != null) {
            sendRules(s, rules);
        }
    }

    /**
     * Tells the store the rules, when they are not the ones it has from this session: after the items queued under
     * the old rules, before any that depend on the new ones.
     */
    private void sendRules(Session s, IgnoreSet rules) {
        if (rules.equals(s.rules)) {
            return;
        }
        if (s.phase == Phase.LIVE) {
            sendBatch(s);
        }
        if (send(s, new Message.Ignore(rules))) {
            s.rules = rules;
            s.checkNeeded = true;
        }
    }

    @Override
    public void ignoreFileUnreadable(String dirPath, String reason) {
        status.error(ChangeDetector.ignoreFileMessage(dirPath, reason));
    }

    @Override
    public void retryLater(String path, int attempt) {
        long base = Math.max(1, settings.quietDelay().toMillis());
        long delay = Math.min(settings.retryMaxDelay().toMillis(), base << Math.min(attempt, 16));
        dirtyPaths.retryLater(path, Duration.ofMillis(delay));
    }

    @Override
    public void lookAgainLater(String path, Duration delay) {
        dirtyPaths.retrySubtreeLater(path, delay);
    }

    @Override
    public void unchanged(String path) {
        uploads.readable(path);
    }

    @Override
    public void unreadable(String path, String reason) {
        status.error("cannot read " + RelativePaths.printable(path) + " (" + reason + "): skipped, the mirror keeps "
                + "its last synced version");
    }

    private void beginSession(StoreLink link) {
        if (!link.isOpen()) {
            return;
        }
        session = new Session(link, settings);
        session.helloRoot = cache.rootDigest();
        session.rules = detector.ignores().set();
        send(session, new Message.Hello(Message.VERSION, settings.clientId(), params, cache.rootDigest(), cache.size(),
                sourceId, takeOver ? Boolean.TRUE : null, session.rules));
    }

    private void onWelcome(StoreLink link, Message.Welcome welcome) {
        Session s = session;
        if (s == null || s.link != link || s.phase != Phase.HELLO_SENT) {
            return;
        }
        if (welcome.protocol() != Message.VERSION || !params.equals(welcome.chunker())) {
            fatal("the store speaks protocol " + welcome.protocol() + " and cuts chunks with " + welcome.chunker()
                    + "; this watcher speaks " + Message.VERSION + " with " + params);
            return;
        }
        welcomed = true;
        if (cache.bindTo(welcome.storeId())) {
            // The cache was another store's: the hello's verdict is about that state, and the empty-source guard
            // must not count its entries. Scan afresh and say hello again with what this source has for this store.
            scanned = false;
            guarded = false;
            status.error(null);
            connectionWorks();
            link.close("the local state belonged to another store");
            return;
        }
        s.patches = true;
        if (takeOver) {
            // One-shot: once this store belongs to this source, a later reconnect must not take over again.
            takeOver = false;
            LOG.warnf("the store %s now belongs to this source (--take-over)", status.store());
        }
        refusedWith = null;
        uploads.welcomed(welcome);
        link.compressFrames();
        status.connected(true);
        LOG.infof("connected to store %s (id %s): %s", status.store(), welcome.storeId(),
                welcome.inSync() ? "mirror already in sync" : "reconciling");
        if (!scanned) {
            if (welcome.inSync()) {
                goLive(s);
                initialScan();
            } else {
                initialScan();
                if (session == s) {
                    startReconcile(s);
                }
            }
            return;
        }
        if (welcome.inSync() && cache.rootDigest().equals(s.helloRoot)) {
            goLive(s);
        } else {
            // Not in sync, or in sync with a tree the scan has changed since the hello: reconcile.
            startReconcile(s);
        }
    }

    private void startReconcile(Session s) {
        sendBatch(s);
        if (guarded) {
            // The cache describes a source that is not there now (an emptied root, an unmounted disk): an index
            // of it would have the store wait for chunks no file holds. The first flush that finds the source
            // back starts the reconcile.
            s.phase = Phase.GUARDED;
            return;
        }
        if (cache.size() == 0 && !settings.allowEmptySource()) {
            s.phase = Phase.GUARDED;
            String why = "the source folder is empty but the store's mirror is not: refusing to mirror a mass delete "
                    + "(set ferry.watcher.allow-empty-source=true to allow it)";
            LOG.error(why);
            status.error(why);
            if (settings.once()) {
                outcome.failed(why, 1);
            }
            return;
        }
        // The store forgets (and does not delete) what the rules ignore: it must have them before the index.
        sendRules(s, detector.ignores().set());
        s.phase = Phase.INDEX_SENT;
        s.needed = 0;
        if (reconciler.sendIndex(m -> send(s, m))) {
            LOG.debugf("sent an index of %d entries", cache.size());
        }
    }

    private void onNeed(StoreLink link, Message.Need need) {
        Session s = session;
        if (s == null || s.link != link || s.phase != Phase.INDEX_SENT) {
            return;
        }
        s.needed += need.paths().size();
        for (Change upsert : reconciler.upserts(need)) {
            add(s, upsert);
        }
        if (need.last()) {
            LOG.infof("store needs %d of %d entries", s.needed, cache.size());
            goLive(s);
        }
    }

    private void goLive(Session s) {
        s.phase = Phase.LIVE;
        if (s.deferredOverflow) {
            s.deferred.clear();
            s.bases.clear();
            s.deferredOverflow = false;
            startReconcile(s);
            return;
        }
        for (Change c : s.deferred) {
            add(s, c);
        }
        s.deferred.clear();
        sendBatch(s);
        s.checkNeeded = true;
        maybeCheck(s);
    }

    private void add(Session s, Change change) {
        if (s.batcher.add(change, System.nanoTime())) {
            sendBatch(s);
        }
    }

    /** Drops a session whose unacknowledged batches have made no progress for {@link #STALL_TIMEOUT}. */
    private void dropIfStalled(Session s) {
        if (session == s && inFlight.stalled(s.link, status.chunksUploaded(), STALL_TIMEOUT.toNanos())) {
            LOG.warnf("no acknowledgement and no upload progress for %d s with %d batches in flight: reconnecting "
                    + "to reconcile with the store", STALL_TIMEOUT.toSeconds(), inFlight.size());
            s.link.close("stalled");
        }
    }

    private void sendBatch(Session s) {
        if (s.batcher.isEmpty()) {
            return;
        }
        try {
            if (!inFlight.awaitRoom(s.link, settings.maxInFlight(), status.chunksUploaded(), STALL_TIMEOUT.toNanos())) {
                s.batcher.clear();
                dropIfStalled(s);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        List<Change> items = s.batcher.take();
        BatchRecord batch = new BatchRecord(nextBatch.incrementAndGet(), items, System.nanoTime());
        List<Change> wire = new ArrayList<>(items.size());
        for (Change c : items) {
            wire.add(s.patches ? PatchEncoder.wireForm(c, s.bases.remove(c)) : c);
        }
        s.checkNeeded = true;
        status.inSync(false);
        inFlight.add(s.link, batch);
        send(s, new Message.Changes(batch.number(), wire));
    }

    /**
     * The store lacked the base of a patch: send the full manifest, unless a later change to the path has been
     * made since (the cache no longer holds that version), which the store gets anyway.
     */
    private void resendFull(Session s, Change original) {
        if (session != s || s.phase != Phase.LIVE) {
            return;
        }
        Manifest sent = original instanceof Change.Move mv ? mv.entry() : ((Change.Upsert) original).entry();
        CachedEntry now = cache.get(sent.path());
        if (now == null || !now.digest().equals(sent.digest())) {
            return;
        }
        add(s, new Change.Upsert(now.manifest(sent.path())));
        if (original instanceof Change.Move mv && !cache.contains(mv.from())) {
            add(s, new Change.Delete(mv.from()));
        }
        sendBatch(s);
    }

    private void maybeCheck(Session s) {
        if (session != s || s.phase != Phase.LIVE || !s.checkNeeded || s.checkOutstanding || !scanned) {
            return;
        }
        if (!s.batcher.isEmpty()) {
            sendBatch(s);
            return;
        }
        if (inFlight.size() > 0 || dirtyPaths.hasPending()) {
            return;
        }
        s.checkNeeded = false;
        s.checkOutstanding = true;
        send(s, new Message.Check(cache.rootDigest()));
    }

    private void onChecked(StoreLink link, Message.Checked checked) {
        Session s = session;
        if (s == null || s.link != link) {
            return;
        }
        if (!s.checkOutstanding) {
            // Unasked: the store's mirror changed under it (an integrity repair left entries for us to resend).
            if (!checked.inSync()) {
                LOG.infof("the store asks for a check: %s", RelativePaths.printable(String.valueOf(checked.problem())));
                s.checkNeeded = true;
                maybeCheck(s);
            }
            return;
        }
        s.checkOutstanding = false;
        if (s.checkNeeded) {
            maybeCheck(s);
            return;
        }
        connectionWorks();
        if (checked.inSync()) {
            if (s.reconcileAttempts > 0 || failures.any()) {
                LOG.infof("the store applied everything again after %d reconciles", s.reconcileAttempts);
            }
            s.reconcileAttempts = 0;
            failures.clear();
            lastDiffers = "";
            status.inSync(true);
            status.synced(Instant.now());
            status.confirmed();
            if (!everSynced) {
                everSynced = true;
                LOG.infof("mirror in sync: %d files, %s", cache.fileCount(), ByteSize.format(cache.byteCount()));
            } else {
                LOG.debug("mirror in sync");
            }
            outcome.synced();
            return;
        }
        status.inSync(false);
        s.reconcileAttempts++;
        // The store's own words when its index matches but DEST does not (a foreign entry it cannot remove).
        String storeSays = checked.problem() == null ? "" : "; the store says: " + RelativePaths.printable(checked.problem());
        if (settings.once() && s.reconcileAttempts > ONCE_MAX_RECONCILES) {
            outcome.failed("the store's mirror still differs from the source after " + ONCE_MAX_RECONCILES
                    + " reconciles" + (storeSays.isEmpty() ? "; see the store's log for the paths it could not apply"
                    : storeSays), 1);
            return;
        }
        long delay = Reconciler.delay(s.reconcileAttempts, settings.reconcileMaxDelay().toMillis());
        String failing = failures.summary() + storeSays;
        if (s.reconcileAttempts <= 2 || Long.bitCount(s.reconcileAttempts) == 1 || !failing.equals(lastDiffers)) {
            LOG.warnf("the store's mirror differs from the source (store root %.12s, source root %.12s)%s: rescanning "
                    + "and reconciling again in %s (attempt %d)", checked.rootDigest(), cache.rootDigest(), failing,
                    String.format(java.util.Locale.ROOT, "%.1f s", delay / 1000.0), s.reconcileAttempts);
        } else {
            LOG.debugf("mirror still differs%s: attempt %d, next in %d ms", failing, s.reconcileAttempts, delay);
        }
        lastDiffers = failing;
        tree.schedule(() -> {
            if (session == s && s.phase == Phase.LIVE) {
                flush(DirtySet.everything());
                startReconcile(s);
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    private boolean send(Session s, Message message) {
        if (session != s) {
            return false;
        }
        try {
            s.link.send(message);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warnf("sending to the store failed (%s): reconnecting", e.getMessage());
            s.link.close("send failed");
            return false;
        }
    }

    private void scheduleSave() {
        if (cache.isDirty() && saveTask == null) {
            saveTask = tree.schedule(() -> {
                saveTask = null;
                saveNow();
            }, 2, TimeUnit.SECONDS);
        }
    }

    /** Sets the source id every hello carries and whether the first ones ask to take the store over. */
    public void identify(String sourceId, boolean takeOver) {
        this.sourceId = sourceId;
        this.takeOver = takeOver;
    }

    /** Saves the cache now (tree thread), e.g. at shutdown. */
    public void saveNow() {
        try {
            cache.save();
            saveWarned = false;
        } catch (IOException e) {
            if (!saveWarned) {
                saveWarned = true;
                String why = "cannot save the local state to " + cache.file() + " (" + e.getMessage()
                        + "): syncing goes on, but a restart will hash everything again";
                LOG.warn(why);
                status.error(why);
            }
        }
    }

    /** Runs {@link #saveNow()} on the tree thread and waits for it. */
    public void saveAndWait() {
        try {
            tree.submit(this::saveNow).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debug("final save failed", e);
        }
    }

    /** A session got as far as an ack or a check: the next reconnect may start from the shortest delay again. */
    private void connectionWorks() {
        connection.healthy();
    }

    private void fatal(String why) {
        LOG.error(why);
        status.error(why);
        outcome.failed(why, 3);
    }

    // ---- transport callbacks (any thread) ------------------------------------------------------------------------

    /** A connection to the store opened: start a session (after any running scan). */
    @Override
    public void opened(StoreLink link, ConnectionControl control) {
        connection = control;
        inFlight.reset(link);
        tree.execute(() -> beginSession(link));
    }

    /** One frame from the store. */
    @Override
    public void received(StoreLink link, Frame frame) {
        protocol.execute(() -> dispatch(link, frame));
    }

    /** The connection closed (or failed); when it is the current one, its batches and queued uploads are dropped. */
    @Override
    public void closed(StoreLink link, String reason) {
        if (!inFlight.release(link)) {
            // An older connection's close reported after the next one opened: the current session goes on.
            return;
        }
        uploads.cancelAll();
        status.connected(false);
        if (reason != null && reason.startsWith(ErrorCode.Close.VIOLATED_POLICY + " ")) {
            // A refusal's close; its error frame, when one came, is queued before this on the protocol thread.
            protocol.execute(() -> refusedByClose(reason.substring(5)));
        }
        tree.execute(() -> {
            if (session != null && session.link == link) {
                session = null;
            }
        });
    }

    // ---- protocol thread ---------------------------------------------------------------------------------------

    private void dispatch(StoreLink link, Frame frame) {
        Message message;
        try {
            message = FrameCodec.decode(frame);
        } catch (ProtocolException e) {
            LOG.warnf("ignoring a frame from the store: %s", e.getMessage());
            return;
        }
        MessageDispatch.toWatcher(link, message, fromStore);
    }

    /**
     * The store's messages, each to its method: acks, missing chunks and errors on the protocol thread, what
     * changes the session's phase on the tree thread.
     */
    private final class FromStore implements WatcherMessages<StoreLink> {
        @Override
        public void welcome(StoreLink link, Message.Welcome welcome) {
            tree.execute(() -> onWelcome(link, welcome));
        }

        @Override
        public void need(StoreLink link, Message.Need need) {
            tree.execute(() -> onNeed(link, need));
        }

        @Override
        public void missing(StoreLink link, Message.Missing missing) {
            BatchRecord batch = inFlight.get(link, missing.batch());
            if (batch != null && !missing.chunks().isEmpty()) {
                uploads.upload(batch, missing.chunks());
            }
        }

        @Override
        public void ack(StoreLink link, Message.Ack ack) {
            acknowledged(link, ack);
        }

        @Override
        public void checked(StoreLink link, Message.Checked checked) {
            tree.execute(() -> onChecked(link, checked));
        }

        @Override
        public void planned(StoreLink link, Message.Planned planned) {
            unexpected(link, planned);
        }

        @Override
        public void error(StoreLink link, Message.Error error) {
            storeError(link, error);
        }

        @Override
        public void unexpected(StoreLink link, Message message) {
            LOG.warnf("ignoring an unexpected %s frame from the store", message.getClass().getSimpleName());
        }
    }

    private void acknowledged(StoreLink link, Message.Ack ack) {
        BatchRecord batch = inFlight.remove(link, ack.batch());
        if (batch == null) {
            return;
        }
        connectionWorks();
        status.synced(Instant.now());
        List<Change> resend = new ArrayList<>();
        List<Message.Failure> failed = new ArrayList<>();
        for (Message.Failure f : ack.failed()) {
            Change original = ErrorCode.BASE_UNKNOWN.wire().equals(f.code()) ? itemAt(batch, f.path()) : null;
            if (original != null) {
                resend.add(original);
            } else {
                failed.add(f);
            }
        }
        if (!resend.isEmpty()) {
            LOG.debugf("the store lacked the base of %d patches in batch %d: sending full manifests", resend.size(), batch.number());
        }
        status.recentChanges().acknowledged(batch, failed, Instant.now());
        outcome.acknowledged(batch, failed);
        for (Message.Failure f : failed) {
            String line = "store could not apply " + RelativePaths.printable(f.path()) + ": " + f.reason();
            status.error(line);
            if (failures.isNew(f.path(), f.reason())) {
                LOG.warn(line);
            } else {
                LOG.debug(line);
            }
        }
        tree.execute(() -> {
            Session s = session;
            if (s != null && s.link == link) {
                for (Change c : resend) {
                    resendFull(s, c);
                }
                maybeCheck(s);
            }
        });
    }

    private static Change itemAt(BatchRecord batch, String path) {
        for (Change c : batch.items()) {
            if ((c instanceof Change.Upsert || c instanceof Change.Move) && c.path().equals(path)) {
                return c;
            }
        }
        return null;
    }

    /**
     * The store belongs to another source: nothing was sent or changed. {@code --once} fails at once; a continuous
     * watcher says so once (ERROR) and asks again once a minute, since an operator may free the store meanwhile.
     */
    private void wrongSource(String message) {
        refusedFor("the store refused this source: " + message);
    }

    /**
     * The store serves no folder this watcher may sync as asked: none named on a store of folders
     * ({@code folder-required}), a name it does not serve ({@code no-such-folder}), a folder the token does not open
     * ({@code wrong-folder}). Nothing was sent or changed. As for a wrong source: {@code --once} fails at once (exit
     * 3); a continuous watcher says so once (ERROR) and asks again once a minute (the store's settings may change).
     */
    private void folderRefused(String code, String message) {
        String fix = switch (code) {
            case "wrong-folder" -> "use the folder's own token (FERRY_TOKEN), or --folder NAME of the folder it opens";
            case "no-such-folder" -> "name one of the store's folders with --folder NAME (FERRY_FOLDER), or list it "
                    + "in the store's FERRY_STORE_FOLDERS";
            default -> "name this watcher's folder with --folder NAME (FERRY_FOLDER)";
        };
        // The store's message may already say what to do (a store of folders names --folder): not twice.
        String why = "refused: the store refused this watcher (" + code + "): " + message
                + (String.valueOf(message).contains("--folder") ? "" : "; " + fix);
        refusedFor(why);
    }

    /** Says a refusal once (ERROR), then: {@code --once} fails with exit 3; a continuous watcher asks again later. */
    private void refusedFor(String why) {
        status.refused(why);
        if (!why.equals(refusedWith)) {
            refusedWith = why;
            LOG.error(why + (settings.once() ? "" : " (asking again every " + REFUSED_RETRY.toSeconds() + " s)"));
        } else {
            LOG.debug(why);
        }
        if (settings.once()) {
            outcome.failed(why, 3);
            return;
        }
        connection.refused(REFUSED_RETRY);
    }

    /**
     * A close with 1008 and reason {@code CODE: message} and no error frame before it (the store sends one, but a
     * close can overtake it): the refusal is taken from the reason.
     */
    private void refusedByClose(String reason) {
        if (status.refusal() != null) {
            return;
        }
        int colon = reason.indexOf(':');
        String code = colon > 0 ? reason.substring(0, colon).trim() : "";
        if (code.equals(ErrorCode.FOLDER_REQUIRED.wire()) || code.equals(ErrorCode.NO_SUCH_FOLDER.wire())) {
            folderRefused(code, reason.substring(colon + 1).trim());
        }
    }

    private void storeError(StoreLink link, Message.Error error) {
        String code = String.valueOf(error.code());
        ErrorCode known = error.errorCode();
        if (known == null) {
            otherStoreError(code, error);
            return;
        }
        switch (known) {
            case VERSION, CHUNKER_MISMATCH -> fatal("the store refused this watcher (" + code + "): " + error.message());
            case REPLACED -> {
                LOG.warnf("another watcher took over the store's session (%s)", error.message());
                status.error("session replaced by another watcher");
                connection.backOff();
            }
            case WRONG_SOURCE -> wrongSource(error.message());
            case FOLDER_REQUIRED, NO_SUCH_FOLDER, WRONG_FOLDER -> folderRefused(code, error.message());
            case UNAUTHORIZED -> {
                LOG.errorf("the store refused the token (%s): set FERRY_TOKEN to the store's token", error.message());
                status.error("unauthorized: " + error.message());
            }
            default -> otherStoreError(code, error);
        }
    }

    private void otherStoreError(String code, Message.Error error) {
        LOG.warnf("the store reported %s: %s", code, error.message());
        status.error(code + ": " + error.message());
    }
}
