package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
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

import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The store's side of the sync conversation (docs/CONTRACT-DRAFT.md steps 2-8): hello, index reconcile, change
 * batches, missing chunks, acks and checks. Every message is handled on the apply thread, in arrival order; a
 * chunk upload wakes the files it completes there too. One watcher session at a time: a newer hello replaces it.
 * This class decodes and dispatches; the work is the roles': {@link SessionGate} (hello, ownership, ignore rules,
 * check), {@link IndexReconciler} (the reconcile after hello), {@link ChangeApplier} (changes and the files
 * waiting for chunks), {@link GroupCommit} (durability before any ack), {@link DryRunSessions} (dry runs).
 */
@Singleton
public class SyncService {
    private static final Logger LOG = Logger.getLogger(SyncService.class);

    private final MirrorIndex index;
    private final ApplyExecutor apply;
    private final DestAuditor auditor;
    private final StoreStats stats;
    private final long maxSessionBytes;
    private final PendingFiles pending = new PendingFiles();
    private final CurrentSession current = new CurrentSession();
    private final GroupCommit commits;
    private final SessionGate gate;
    private final IndexReconciler reconciler;
    private final ChangeApplier changes;
    private final DryRunSessions dryRun;
    private final LiveSession live = new LiveSession();

    public SyncService(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, DiskQuota quota, SourceBinding binding, StoreConfig config,
                       DestAuditor auditor, StoreIgnoreRules ignore) {
        this.auditor = auditor;
        this.index = index;
        this.apply = apply;
        this.stats = stats;
        int maxBatchItems = config.store().maxBatchItems();
        this.maxSessionBytes = dev.ferry.store.config.SessionLimits.maxSessionBytes(config, Runtime.getRuntime().maxMemory());
        LOG.debugf("A session may hold %d bytes (ferry.store.max-session-bytes)", maxSessionBytes);
        this.commits = new GroupCommit(index, materializer, auditor, stats, pending, current);
        this.gate = new SessionGate(layout, index, binding, ignore, auditor, pending, current, commits);
        this.reconciler = new IndexReconciler(layout, index, materializer, ignore, auditor, maxBatchItems, maxSessionBytes);
        this.changes = new ChangeApplier(index, materializer, apply, auditor, stats, quota, ignore, pending, current,
                commits, maxBatchItems, maxSessionBytes);
        this.dryRun = new DryRunSessions(current, index, materializer, layout, binding, maxBatchItems, maxSessionBytes);
        apply.whenIdle(commits::durable);
        auditor.onWatcherNeeded(gate::mirrorDiffers);
    }

    /** Most bytes one session may hold ({@code ferry.store.max-session-bytes}, or a quarter of the heap). */
    public long maxSessionBytes() {
        return maxSessionBytes;
    }

    /** The connected watcher's session, or null (also when its socket closed without a close event). */
    public SyncSession current() {
        return current.open();
    }

    /** See {@link SessionGate#mirrorDiffers}. */
    public void mirrorDiffers(String why) {
        gate.mirrorDiffers(why);
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
                session.endReconcile();
                if (current.get() == session) {
                    current.set(null);
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
            apply.submit(() -> changes.chunksArrived(hashes));
        } catch (RejectedExecutionException e) {
            LOG.debug("Chunks stored during shutdown");
        }
    }

    private void handle(SyncSession s, Message m) {
        if (index.failure() != null && !commits.recoverJournal()) {
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
        if (s != current.get()) {
            return;
        }
        try {
            MessageDispatch.toStore(s, m, live);
        } finally {
            commits.commit(s);
        }
    }

    /** The messages of a syncing session, each to its role (hello also opens a dry run). Apply thread only. */
    private final class LiveSession implements StoreMessages<SyncSession> {
        @Override
        public void hello(SyncSession s, Message.Hello h) {
            if (h.dryRuns()) {
                dryRun.hello(s, h);
                return;
            }
            // A new session may follow changes made to DEST while none was connected: its check walks DEST again.
            auditor.invalidate();
            gate.hello(s, h);
        }

        @Override
        public void index(SyncSession s, Message.IndexBatch b) {
            reconciler.indexBatch(s, b);
        }

        @Override
        public void changes(SyncSession s, Message.Changes c) {
            changes.changes(s, c);
        }

        @Override
        public void check(SyncSession s, Message.Check c) {
            gate.check(s, c);
        }

        @Override
        public void ignore(SyncSession s, Message.Ignore i) {
            gate.ignore(s, i);
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
}
