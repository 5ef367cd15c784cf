package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ChunkCodec;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.protocol.session.MessageDispatch;
import dev.ferry.protocol.session.StoreMessages;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store's side of the sync conversation (docs/CONTRACT-DRAFT.md steps 2-8): hello, index reconcile, change
 * batches, missing chunks, acks and checks. Every message is handled on the apply thread, in arrival order; a
 * chunk upload wakes the files it completes there too. One watcher session at a time: a newer hello replaces it.
 */
@Singleton
public class SyncService {
    private static final Logger LOG = Logger.getLogger(SyncService.class);
    private static final int NEED_FRAME_BYTES = 4 * 1024 * 1024;

    private final StoreLayout layout;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final ApplyExecutor apply;
    private final DestAuditor auditor;

    private final StoreStats stats;
    private final DiskQuota quota;
    private final SourceBinding binding;
    private final StoreIgnoreRules ignore;
    private final int maxBatchItems;
    private final long maxSessionBytes;
    private final PendingFiles pending = new PendingFiles();
    /** Writes completed files to temp files and fsyncs them; a few, since most of their time is I/O wait. */
    private final ExecutorService writers = Executors.newFixedThreadPool(
            Math.max(2, Math.min(4, 2 * Runtime.getRuntime().availableProcessors())), new ThreadFactory() {
                private final AtomicInteger n = new AtomicInteger();

                @Override
                public Thread newThread(Runnable r) {
                    Thread t = new Thread(r, "ferry-write-" + n.getAndIncrement());
                    t.setDaemon(true);
                    return t;
                }
            });
    private volatile SyncSession current;
    /** The index was cleared of what the rules in force match since start (apply thread only). */
    private boolean forgotSinceStart;
    private final DryRunSessions dryRun;
    private final LiveSession live = new LiveSession();

    public SyncService(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, DiskQuota quota, SourceBinding binding, StoreConfig config,
                       DestAuditor auditor, StoreIgnoreRules ignore) {
        this.layout = layout;
        this.ignore = ignore;
        this.auditor = auditor;
        this.index = index;
        this.materializer = materializer;
        this.apply = apply;
        this.stats = stats;
        this.quota = quota;
        this.binding = binding;
        this.maxBatchItems = config.store().maxBatchItems();
        this.maxSessionBytes = dev.ferry.store.config.SessionLimits.maxSessionBytes(config, Runtime.getRuntime().maxMemory());
        LOG.debugf("A session may hold %d bytes (ferry.store.max-session-bytes)", maxSessionBytes);
        apply.whenIdle(this::durable);
        auditor.onWatcherNeeded(this::mirrorDiffers);
        this.dryRun = new DryRunSessions(this, index, materializer, layout, binding, maxBatchItems, maxSessionBytes);
    }

    /** Most bytes one session may hold ({@code ferry.store.max-session-bytes}, or a quarter of the heap). */
    public long maxSessionBytes() {
        return maxSessionBytes;
    }

    /** The connected watcher's session, or null (also when its socket closed without a close event). */
    public SyncSession current() {
        SyncSession s = current;
        return s != null && s.isOpen() ? s : null;
    }

    /**
     * Tells the connected watcher that the mirror no longer matches its tree (an integrity repair marked entries
     * damaged that only the source can send again): an unsolicited {@code checked} "not in sync", on which it
     * checks and reconciles now rather than at its next periodic rescan (minutes later). No-op without a greeted
     * session; an older watcher ignores it.
     */
    public void mirrorDiffers(String why) {
        SyncSession s = current();
        if (s != null && s.greeted()) {
            s.send(new Message.Checked(index.rootDigest(), false, why));
        }
    }

    /** Adds every chunk of every pending file (present or not) to {@code into}. Apply thread only. */
    void pendingChunks(java.util.Set<ChunkHash> into) {
        pending.chunksInto(into);
    }

    /** File upserts waiting for chunks. */
    public int pendingFiles() {
        return pending.size();
    }

    /**
     * Handles one frame of {@code session}; returns once it is processed, so a busy apply thread slows the
     * reading of frames instead of queueing them without bound. A frame that does not decode is refused: with an
     * {@code error} after hello, with an {@code error} and a close before it.
     */
    public void received(SyncSession session, Frame frame) {
        Message message;
        try {
            message = FrameCodec.decode(frame);
        } catch (ProtocolException e) {
            if (session.greeted()) {
                session.send(new Message.Error(e.errorCode(), e.getMessage()));
            } else {
                session.fail(e.errorCode(), e.getMessage(), ErrorCode.Close.PROTOCOL_ERROR);
            }
            return;
        }
        try {
            apply.call(() -> {
                handle(session, message);
                return null;
            });
        } catch (Exception e) {
            LOG.errorf(e, "Handling a %s from %s failed", message.getClass().getSimpleName(), session.describe());
            session.send(new Message.Error(ErrorCode.INTERNAL, RelativePaths.printable(String.valueOf(e))));
        }
    }

    /** The connection of {@code session} is gone: drop its pending work if it was the current one. */
    public void closed(SyncSession session) {
        try {
            apply.submit(() -> {
                if (current == session) {
                    current = null;
                    pending.clear();
                    stats.openBatches(0, 0);
                    LOG.infof("Watcher %s disconnected", session.describe());
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("Session closed during shutdown");
        }
    }

    /** Chunks were stored: apply the pending files they complete (asynchronously, on the apply thread). */
    public void chunksStored(List<ChunkHash> hashes) {
        if (hashes.isEmpty()) {
            return;
        }
        try {
            apply.submit(() -> chunksArrived(hashes));
        } catch (RejectedExecutionException e) {
            LOG.debug("Chunks stored during shutdown");
        }
    }

    private void handle(SyncSession s, Message m) {
        if (index.failure() != null && !recoverJournal()) {
            s.fail(ErrorCode.JOURNAL_FAILED, "the store cannot write its index journal ("
                    + RelativePaths.printable(index.failure()) + "): try again later", ErrorCode.Close.TRY_AGAIN_LATER);
            return;
        }
        if (m.kind() == Message.Kind.HELLO) {
            MessageDispatch.toStore(s, m, live);
            return;
        }
        if (!s.greeted()) {
            s.fail(ErrorCode.BAD_MESSAGE, "the first message must be hello, not " + m.getClass().getSimpleName());
            return;
        }
        if (s.dryRun) {
            MessageDispatch.toStore(s, m, dryRun);
            return;
        }
        if (s != current) {
            return;
        }
        try {
            MessageDispatch.toStore(s, m, live);
        } finally {
            commit(s);
        }
    }

    /** The messages of a syncing session, each to its method (hello also opens a dry run). Apply thread only. */
    private final class LiveSession implements StoreMessages<SyncSession> {
        @Override
        public void hello(SyncSession s, Message.Hello h) {
            if (h.dryRuns()) {
                dryRun.hello(s, h);
                return;
            }
            // A new session may follow changes made to DEST while none was connected: its check walks DEST again.
            auditor.invalidate();
            SyncService.this.hello(s, h);
        }

        @Override
        public void index(SyncSession s, Message.IndexBatch b) {
            indexBatch(s, b);
        }

        @Override
        public void changes(SyncSession s, Message.Changes c) {
            SyncService.this.changes(s, c);
        }

        @Override
        public void check(SyncSession s, Message.Check c) {
            SyncService.this.check(s, c);
        }

        @Override
        public void ignore(SyncSession s, Message.Ignore i) {
            SyncService.this.ignore(s, i);
        }

        @Override
        public void plan(SyncSession s, Message.Plan p) {
            unexpected(s, p);
        }

        @Override
        public void error(SyncSession s, Message.Error e) {
            LOG.warnf("Watcher %s reports %s: %s", s.describe(), RelativePaths.printable(e.code()),
                    RelativePaths.printable(e.message()));
        }

        @Override
        public void unexpected(SyncSession s, Message m) {
            s.send(new Message.Error(ErrorCode.BAD_MESSAGE, "a store does not accept " + m.getClass().getSimpleName()));
        }
    }

    /**
     * In sync means DEST itself equals the watcher's tree: when the index does, DEST is audited too (foreign
     * entries removed, damaged ones restored; skipped when an audit found it so and nothing since could have
     * changed that), and an entry the store cannot remove or rebuild makes the answer "not in sync", with why.
     */
    private void check(SyncSession s, Message.Check c) {
        if (!durable()) {
            return;
        }
        String problem = null;
        if (index.rootDigest().equals(c.rootDigest())) {
            index.markReconciled();
            problem = auditor.destProblem();
            if (index.failure() != null) {
                journalFailed();
                return;
            }
            if (problem != null) {
                LOG.warnf("Check from %s: the index matches its tree, but %s", s.describe(), problem);
            }
        }
        String mine = index.rootDigest();
        s.send(new Message.Checked(mine, problem == null && mine.equals(c.rootDigest()), problem));
    }

    private void hello(SyncSession s, Message.Hello h) {
        HelloChecks.Refusal refused = HelloChecks.fields(h, Message.MIN_VERSION, "");
        if (refused != null) {
            refused.sendTo(s);
            return;
        }
        IgnoreSet rules = h.ignoreRules();
        if (!owns(s, h)) {
            return;
        }
        SyncSession old = current;
        if (old != null && old != s) {
            LOG.infof("Watcher %s replaces %s", h.clientId(), old.describe());
            old.fail(ErrorCode.REPLACED, "a newer hello (" + h.clientId() + ") replaced this session");
        }
        pending.clear();
        current = s;
        s.greet(h.clientId(), h.protocol(), h.sourceId());
        if (!useRules(s, rules)) {
            current = null;
            s.fail(ErrorCode.INTERNAL, "the store cannot record the ignore rules; see its log");
            return;
        }
        boolean inSync = index.rootDigest().equals(h.rootDigest());
        if (inSync) {
            index.markReconciled();
        }
        LOG.infof("Watcher %s connected: %s", s.describe(), inSync ? "in sync" : "reconciling");
        // Coded chunk uploads are protocol 3's: older watchers never see the field.
        s.send(new Message.Welcome(h.protocol(), layout.storeId(), ChunkerParams.DEFAULT, inSync,
                h.protocol() >= 3 ? ChunkCodec.DECODED : null));
    }

    /** The watcher's ignore rules changed: they replace those of its hello (or of its previous {@code ignore}). */
    private void ignore(SyncSession s, Message.Ignore i) {
        IgnoreSet rules;
        try {
            rules = i.rules().check();
        } catch (ProtocolException e) {
            s.send(new Message.Error(e.code(), "ignore: " + e.getMessage() + ": the rules in force stay"));
            return;
        }
        if (!useRules(s, rules)) {
            s.send(new Message.Error(ErrorCode.INTERNAL, "the store cannot record the ignore rules (see its log): the rules "
                    + "in force stay"));
        }
    }

    /**
     * Makes {@code rules} the store's (kept in .ferry/ignore.json) and forgets the index entries they match: they
     * leave the index (journaled), DEST keeps them. Forgetting runs at the first hello since start too, so entries
     * a crash kept in the index after the rules were written go then. False when the rules cannot be written
     * (nothing changed).
     */
    private boolean useRules(SyncSession s, IgnoreSet rules) {
        boolean changed;
        try {
            changed = ignore.replace(rules);
        } catch (Exception e) {
            LOG.errorf(e, "Cannot record the ignore rules in %s", layout.stateDir());
            return false;
        }
        if (changed) {
            auditor.invalidate();
            LOG.infof("Ignore rules from %s: %d .ferryignore files, %d patterns", s.describe(), rules.files().size(),
                    rules.excludes().size());
        }
        if (!changed && forgotSinceStart) {
            return true;
        }
        forgotSinceStart = true;
        try {
            int forgotten = ignore.forgetIgnored(index);
            if (forgotten > 0) {
                LOG.infof("Forgot %d entries the ignore rules now match (left in DEST as they are)", forgotten);
            }
        } catch (Exception e) {
            // The journal failed: the next commit sees index.failure() and closes the session.
            LOG.warnf("Cannot forget the entries the ignore rules match: %s", e);
        }
        return true;
    }

    /**
     * Whether the hello's source may drive this store: it is the bound owner, or the store has none yet (the first
     * hello binds it), or it asks to take over while the owner is not connected. Otherwise the session is refused
     * with {@code wrong-source} and closed; nothing is changed.
     */
    private boolean owns(SyncSession s, Message.Hello h) {
        SourceBinding.Owner owner = binding.owner();
        String who = RelativePaths.printable(h.clientId());
        if (owner != null && owner.sourceId().equals(h.sourceId())) {
            return true;
        }
        if (h.sourceId() == null && owner == null) {
            LOG.warnf("Watcher %s sends no source id (an older watcher): the store stays unbound until one does", who);
            return true;
        }
        SyncSession connected = current();
        HelloChecks.Refusal refused = HelloChecks.ownership(owner, h, connected != null && connected != s);
        if (refused != null) {
            LOG.warnf("Refused watcher %s (source %s): %s", who, h.sourceId(), refused.message());
            refused.sendTo(s);
            return false;
        }
        try {
            binding.bind(h.sourceId(), h.clientId());
        } catch (Exception e) {
            LOG.errorf(e, "Cannot record the store's source in %s", layout.sourceFile());
            s.fail(ErrorCode.INTERNAL, "the store cannot record its source; see its log");
            return false;
        }
        if (owner == null) {
            LOG.infof("This store now belongs to source %s (watcher %s): any other source is refused", h.sourceId(), who);
        } else {
            LOG.warnf("TAKE-OVER: source %s (watcher %s) replaces the owner %s; the mirror will follow the new source",
                    h.sourceId(), who, HelloChecks.describe(owner));
        }
        return true;
    }

    private void indexBatch(SyncSession s, Message.IndexBatch b) {
        if (b.entries().size() > maxBatchItems) {
            s.theirIndex = new HashMap<>();
            s.theirIndexBytes = 0;
            s.reconciling = false;
            s.send(new Message.Error(ErrorCode.TOO_LARGE, "an index frame has at most " + maxBatchItems + " entries, not "
                    + b.entries().size() + ": the reconcile is dropped, start it again with smaller frames"));
            return;
        }
        s.reconciling = !b.last();
        for (Message.IndexEntry e : b.entries()) {
            if (e != null && e.path() != null && e.digest() != null) {
                if (s.theirIndex.put(e.path(), e.digest()) == null) {
                    s.theirIndexBytes += 96 + 2L * (e.path().length() + e.digest().length());
                }
            }
        }
        if (s.theirIndexBytes > maxSessionBytes) {
            s.theirIndex = new HashMap<>();
            s.theirIndexBytes = 0;
            s.fail(ErrorCode.TOO_LARGE, "the index passes the store's limit of " + maxSessionBytes
                    + " bytes a session (ferry.store.max-session-bytes)");
            return;
        }
        if (!b.last()) {
            return;
        }
        Map<String, String> theirs = s.theirIndex;
        s.theirIndex = new HashMap<>();
        s.theirIndexBytes = 0;
        int removed = 0;
        int forgotten = 0;
        dev.ferry.protocol.ignore.IgnoreRules rules = ignore.rules();
        for (Map.Entry<String, String> mine : index.digestsDescending()) {
            String path = mine.getKey();
            Manifest entry = index.get(path);
            if (theirs.containsKey(path) || entry == null) {
                continue;
            }
            try {
                if (rules.ignored(path, entry.type() == EntryType.DIRECTORY)) {
                    // Not part of the mirror any more: forgotten, left in DEST.
                    index.remove(path);
                    forgotten++;
                    continue;
                }
                materializer.delete(path, rules);
                index.remove(path);
                removed++;
            } catch (Exception e) {
                auditor.invalidate();
                LOG.warnf("Cannot remove %s during reconcile: %s", RelativePaths.printable(path), e);
            }
        }
        List<String> need = new ArrayList<>();
        for (Map.Entry<String, String> e : theirs.entrySet()) {
            if (RelativePaths.isValid(e.getKey()) && !e.getValue().equals(index.digestOf(e.getKey()))) {
                need.add(e.getKey());
            }
        }
        need.sort(null);
        sendNeed(s, need);
        index.markReconciled();
        LOG.infof("Reconciled with %s: removed %d entries it lacks, forgot %d it ignores, need %d of its %d",
                s.describe(), removed, forgotten, need.size(), theirs.size());
    }

    private void sendNeed(SyncSession s, List<String> need) {
        List<String> frame = new ArrayList<>();
        int bytes = 0;
        for (String path : need) {
            int size = path.getBytes(StandardCharsets.UTF_8).length * 2 + 4;
            if (!frame.isEmpty() && bytes + size > NEED_FRAME_BYTES) {
                s.send(new Message.Need(frame, false));
                frame = new ArrayList<>();
                bytes = 0;
            }
            frame.add(path);
            bytes += size;
        }
        s.send(new Message.Need(frame, true));
    }

    private void changes(SyncSession s, Message.Changes c) {
        if (s.reconciling) {
            s.send(new Message.Error(ErrorCode.BAD_MESSAGE, "changes " + c.batch() + " arrived during an index reconcile: "
                    + "nothing applied; send the last index frame first"));
            return;
        }
        if (c.items().size() > maxBatchItems) {
            s.send(new Message.Error(ErrorCode.TOO_LARGE, "changes " + c.batch() + " has " + c.items().size()
                    + " items, at most " + maxBatchItems + " are accepted: nothing applied"));
            return;
        }
        if (s.batches.containsKey(c.batch())) {
            s.send(new Message.Error(ErrorCode.BAD_MESSAGE, "batch number " + c.batch() + " is still open: nothing applied"));
            return;
        }
        Batch batch = new Batch(c.batch(), System.nanoTime());
        stats.batchReceived();
        s.batches.put(c.batch(), batch);
        LinkedHashSet<ChunkHash> missing = new LinkedHashSet<>();
        for (Change change : c.items()) {
            try {
                if (change == null) {
                    throw new ProtocolException(ErrorCode.BAD_MESSAGE, "null change");
                }
                applyChange(s, batch, change, missing);
            } catch (ProtocolException e) {
                batch.fail(pathOf(change), Materializer.failureReason(e), e.code());
            } catch (Exception e) {
                auditor.invalidate();
                LOG.warnf("Cannot apply %s: %s", RelativePaths.printable(pathOf(change)), e);
                batch.fail(pathOf(change), Materializer.failureReason(e));
            }
        }
        batch.processed = true;
        s.send(new Message.Missing(c.batch(), new ArrayList<>(missing)));
    }

    private void applyChange(SyncSession s, Batch batch, Change change, LinkedHashSet<ChunkHash> missing) throws Exception {
        if (change instanceof Change.Patch p) {
            if (s.protocol() < 2) {
                throw new ProtocolException(ErrorCode.BAD_MESSAGE, "patch needs protocol 2");
            }
            Manifest m = resolve(p);
            if (p.move()) {
                move(batch, new Change.Move(p.base(), m), missing);
            } else {
                upsert(batch, m, missing);
            }
        } else if (change instanceof Change.Upsert u) {
            upsert(batch, u.entry(), missing);
        } else if (change instanceof Change.Delete d) {
            RelativePaths.check(d.path());
            supersede(pending.removeUnder(d.path()));
            materializer.delete(d.path(), ignore.rules());
            index.remove(d.path());
            stats.applied("delete", d.path());
        } else if (change instanceof Change.Move mv) {
            move(batch, mv, missing);
        }
    }

    private void upsert(Batch batch, Manifest m, LinkedHashSet<ChunkHash> missing) throws Exception {
        upsert(batch, m, missing, null);
    }

    /**
     * Applies {@code m}, or registers it as pending until its chunks are stored; {@code replaces} (a move's source,
     * or null) is removed only once {@code m} is in place.
     */
    private void upsert(Batch batch, Manifest m, LinkedHashSet<ChunkHash> missing, PendingFiles.Replaced replaces)
            throws Exception {
        if (m == null) {
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "upsert without an entry");
        }
        String path = RelativePaths.check(m.path());
        supersede(m.type() == EntryType.DIRECTORY ? pending.removeAt(path) : pending.removeUnder(path));
        if (m.digest().equals(index.digestOf(path)) && materializer.intact(m)) {
            removeReplaced(replaces);
            return;
        }
        if (m.type() != EntryType.FILE) {
            materializer.apply(m);
            index.put(m);
            stats.applied("upsert", path);
            removeReplaced(replaces);
            return;
        }
        List<ChunkHash> lacking = materializer.lacking(m);
        long growth = Math.max(0, m.size() - indexedFileSize(path)) + bytesOf(m, lacking);
        String over = quota.exceeded(growth, pending.reservedBytes());
        if (over != null) {
            throw new ProtocolException(ErrorCode.QUOTA_EXCEEDED, DiskQuota.detail(over));
        }
        if (!lacking.isEmpty()) {
            long held = PendingFiles.Pending.heldBytes(m);
            if (pending.heldBytes() + held > maxSessionBytes) {
                throw new ProtocolException(ErrorCode.SESSION_LIMIT, "files waiting for chunks already hold "
                        + pending.heldBytes() + " bytes of the " + maxSessionBytes + " a session may (upload their "
                        + "chunks, then send this one again)");
            }
            pending.add(m, batch, lacking, growth, materializer.openPart(m)).replaces = replaces;
            batch.open++;
            missing.addAll(lacking);
            return;
        }
        lacking = materializer.applyFile(m);
        if (!lacking.isEmpty()) {
            pending.add(m, batch, lacking, growth, materializer.openPart(m)).replaces = replaces;
            batch.open++;
            missing.addAll(lacking);
            return;
        }
        index.put(m);
        materializer.recorded(m);
        stats.applied("upsert", path);
        stats.fileApplied(m.size());
        removeReplaced(replaces);
    }

    /**
     * Removes a move's source once the moved entry is in place, unless a later change made it something else
     * (then that change owns it).
     */
    private void removeReplaced(PendingFiles.Replaced replaces) {
        if (replaces == null || !replaces.digest().equals(index.digestOf(replaces.path()))) {
            return;
        }
        try {
            materializer.delete(replaces.path(), ignore.rules());
            index.remove(replaces.path());
        } catch (Exception e) {
            // The moved entry is in place; the source stays in the index, so the next check differs and the
            // reconcile that follows removes it.
            auditor.invalidate();
            LOG.warnf("Cannot remove %s, the source of a move: %s", RelativePaths.printable(replaces.path()), e);
        }
    }

    private long indexedFileSize(String path) {
        Manifest old = index.get(path);
        return old != null && old.type() == EntryType.FILE ? old.size() : 0;
    }

    private static long bytesOf(Manifest m, List<ChunkHash> lacking) {
        if (lacking.isEmpty()) {
            return 0;
        }
        Set<ChunkHash> wanted = new HashSet<>(lacking);
        long bytes = 0;
        for (ChunkRef c : m.chunks()) {
            if (wanted.remove(c.hash())) {
                bytes += c.length();
            }
        }
        return bytes;
    }

    private void move(Batch batch, Change.Move mv, LinkedHashSet<ChunkHash> missing) throws Exception {
        Manifest m = mv.entry();
        if (m == null) {
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "move without an entry");
        }
        String from = RelativePaths.check(mv.from());
        String to = RelativePaths.check(m.path());
        if (from.equals(to)) {
            upsert(batch, m, missing);
            return;
        }
        if (RelativePaths.isUnder(to, from)) {
            throw new ProtocolException(ErrorCode.BAD_PATH, "cannot move " + RelativePaths.printable(from) + " into itself");
        }
        supersede(pending.removeUnder(to));
        pending.rebase(from, to);
        Manifest old = index.get(from);
        if (old != null && old.type() == m.type()) {
            boolean same = m.digest().equals(index.digestOf(from));
            boolean renamable = m.type() == EntryType.DIRECTORY || (same && materializer.intact(old));
            if (renamable && materializer.move(from, to)) {
                index.rebase(from, to);
                if (!same) {
                    materializer.applyDirectory(m);
                    index.put(m);
                }
                stats.applied("move", to);
                return;
            }
        }
        // New content (or a source that is not intact): the source stays until the new version is complete, as
        // it may be the only copy of the bytes it shares with it; building it is an upsert at the destination.
        String fromDigest = index.digestOf(from);
        if (fromDigest == null) {
            materializer.delete(from, ignore.rules());
            index.remove(from);
            upsert(batch, m, missing);
        } else {
            upsert(batch, m, missing, new PendingFiles.Replaced(from, fromDigest));
        }
    }

    /**
     * The full manifest of a patch: its base is the entry at {@code base} with digest {@code baseDigest}, applied
     * or still pending (a file whose chunks are on their way is already the newest version the watcher sent).
     */
    private Manifest resolve(Change.Patch p) throws ProtocolException {
        String basePath = RelativePaths.check(p.base());
        RelativePaths.check(p.path());
        Manifest base = pending.entryAt(basePath);
        if (base == null || !base.digest().equals(p.baseDigest())) {
            base = p.baseDigest() != null && p.baseDigest().equals(index.digestOf(basePath)) ? index.get(basePath) : null;
        }
        if (base == null || base.type() != EntryType.FILE) {
            throw new ProtocolException(ErrorCode.BASE_UNKNOWN, "no file " + RelativePaths.printable(basePath) + " with digest "
                    + p.baseDigest() + " to patch: send the full manifest");
        }
        // A copy run costs a few bytes whatever its length: bound what a patch may resolve to by what its base and
        // literals hold, or (a file repeating its base) by the chunks a session may hold pending.
        long bound = Math.max(base.chunks().size() + (p.delta() == null ? 0 : p.delta().length / ChunkListCodec.RECORD),
                maxSessionBytes / PendingFiles.HELD_BYTES_A_CHUNK);
        try {
            return p.resolve(base.chunks(), (int) Math.min(Integer.MAX_VALUE, bound));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_MESSAGE, "bad patch: " + e.getMessage());
        }
    }

    private void supersede(List<PendingFiles.Pending> dropped) {
        for (PendingFiles.Pending p : dropped) {
            p.batch.open--;
        }
    }

    /**
     * Files whose last chunk arrived are written (verified chunks, temp file, fsync) by the writer threads, several
     * at a time, so their fsyncs share journal commits and large files are built while the apply thread goes on;
     * each is then renamed into place back on the apply thread, unless a later change superseded it meanwhile.
     * A file is never under its final name before its fsync returned.
     */
    private void chunksArrived(List<ChunkHash> hashes) {
        for (PendingFiles.Pending p : pending.arrived(hashes)) {
            Manifest m = p.entry;
            writers.execute(() -> {
                Materializer.Written w;
                Exception failure = null;
                try {
                    w = materializer.write(m, p.part);
                } catch (Exception e) {
                    w = null;
                    failure = e;
                }
                Materializer.Written written = w;
                Exception failed = failure;
                try {
                    apply.submit(() -> written(p, written, failed));
                } catch (RejectedExecutionException e) {
                    materializer.discard(written == null ? new Materializer.Written(null, List.of()) : written);
                }
            });
        }
    }

    private void written(PendingFiles.Pending p, Materializer.Written w, Exception failure) {
        SyncSession s = current;
        boolean wanted = pending.written(p);
        if (!wanted) {
            PendingFiles.dropPart(p);
            if (w != null) {
                materializer.discard(w);
            }
            return;
        }
        try {
            if (failure != null) {
                throw failure;
            }
            if (w.tmp() != null) {
                materializer.install(p.entry, w);
                index.put(p.entry);
                materializer.recorded(p.entry);
                PendingFiles.closePart(p);
                stats.applied("upsert", p.entry.path());
                stats.fileApplied(p.entry.size());
                p.batch.open--;
                removeReplaced(p.replaces);
            } else {
                pending.wait(p, w.lacking());
                if (s != null) {
                    s.send(new Message.Missing(p.batch.number, w.lacking()));
                }
            }
        } catch (Exception e) {
            PendingFiles.dropPart(p);
            auditor.invalidate();
            LOG.warnf("Cannot apply %s: %s", RelativePaths.printable(p.entry.path()), e);
            p.batch.fail(p.entry.path(), Materializer.failureReason(e));
            p.batch.open--;
        }
        commit(s);
    }

    /**
     * Group commit: the directory times and the index journal's fsync are done once for all the applies queued
     * together (when the apply queue runs empty, see the constructor, or before an ack or a check answer), not once per
     * file: 20,000 small files paid 20,000 journal fsyncs on the apply thread. Nothing is acknowledged before it
     * is durable; a crash before the fsync leaves renamed files the index lacks, which the auditor removes and the
     * next reconcile brings back (docs/STORAGE.md).
     */
    private void commit(SyncSession s) {
        boolean live = s != null && s == current;
        boolean ackDue = false;
        if (live) {
            for (Batch b : s.batches.values()) {
                if (b.complete()) {
                    ackDue = true;
                    break;
                }
            }
        }
        if (ackDue && !durable()) {
            return;
        }
        if (!live) {
            return;
        }
        long oldest = 0;
        for (Iterator<Batch> it = s.batches.values().iterator(); it.hasNext(); ) {
            Batch b = it.next();
            if (b.complete()) {
                it.remove();
                s.send(new Message.Ack(b.number, b.failed));
            } else if (oldest == 0 || b.arrivedNanos - oldest < 0) {
                oldest = b.arrivedNanos;
            }
        }
        stats.openBatches(s.batches.size(), oldest);
    }

    /**
     * Restores the times of the directories changed since the last call and fsyncs the index journal. False when
     * the journal failed: then nothing more is acknowledged, the session is closed and the journal rewritten
     * ({@link #journalFailed()}).
     */
    private boolean durable() {
        try {
            materializer.finishDirectories();
        } catch (Exception e) {
            LOG.warnf("Cannot restore directory times: %s", e);
        }
        try {
            // One database: the chunk locations (packs synced first) and the index entries commit together.
            materializer.commitChunks();
            index.flush();
            return true;
        } catch (Exception e) {
            journalFailed();
            return false;
        }
    }

    /**
     * A journal write or fsync failed: what the journal holds on disk is unknown (a torn line, lost lines), so no
     * ack may go out. The session is closed with {@code journal-failed} (the watcher reconnects and reconciles),
     * and the journal is rewritten from the index in memory before the next session is accepted.
     */
    private void journalFailed() {
        auditor.invalidate();
        String why = RelativePaths.printable(String.valueOf(index.failure()));
        SyncSession s = current;
        if (s != null) {
            current = null;
            pending.clear();
            stats.openBatches(0, 0);
            LOG.errorf("The index journal failed (%s): acknowledging nothing more, closing the session of %s", why,
                    s.describe());
            s.fail(ErrorCode.JOURNAL_FAILED, "the store cannot write its index journal (" + why + "): nothing more is "
                    + "acknowledged; reconnect to reconcile");
        }
        recoverJournal();
    }

    /** Rewrites a failed journal from memory; false (logged) when that fails too. */
    private boolean recoverJournal() {
        try {
            index.recover();
            return true;
        } catch (Exception e) {
            LOG.errorf("Cannot rewrite the index journal: %s; sessions are refused until it can be", e);
            return false;
        }
    }

    /**
     * Why an apply failed, the same words each time it fails the same way (no temp file names), so the watcher can
     * tell a repeating failure (a full or read-only disk) from a new one.
     */
    static String reason(Exception e) {
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getClass().getSimpleName() + ": " + f.getReason();
        }
        return String.valueOf(e);
    }

    private static String pathOf(Change change) {
        if (change == null) {
            return null;
        }
        if (change instanceof Change.Delete d) {
            return d.path();
        }
        if (change instanceof Change.Patch p) {
            return p.path();
        }
        if (change instanceof Change.Move mv && mv.entry() == null) {
            return mv.from();
        }
        if (change instanceof Change.Upsert u && u.entry() == null) {
            return null;
        }
        return change.path();
    }
}
