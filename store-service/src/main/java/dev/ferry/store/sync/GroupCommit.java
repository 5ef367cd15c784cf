package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import org.jboss.logging.Logger;

import java.util.Iterator;

/**
 * Group commit: the directory times and the index journal's fsync are done once for all the applies queued
 * together (when the apply queue runs empty, or before an ack or a check answer), not once per file: 20,000 small
 * files paid 20,000 journal fsyncs on the apply thread. Nothing is acknowledged before it is durable; a crash
 * before the fsync leaves renamed files the index lacks, which the auditor removes and the next reconcile brings
 * back (docs/STORAGE.md). A failed journal closes the session and is rewritten from memory. Apply thread only.
 */
final class GroupCommit {
    /** The store's sync log lines keep one category (the README shows it), whichever role writes them. */
    private static final Logger LOG = Logger.getLogger(SyncService.class);

    private final MirrorIndex index;
    private final Materializer materializer;
    private final DestAuditor auditor;
    private final StoreStats stats;
    private final PendingFiles pending;
    private final CurrentSession current;

    GroupCommit(MirrorIndex index, Materializer materializer, DestAuditor auditor, StoreStats stats,
                PendingFiles pending, CurrentSession current) {
        this.index = index;
        this.materializer = materializer;
        this.auditor = auditor;
        this.stats = stats;
        this.pending = pending;
        this.current = current;
    }

    /**
     * Acknowledges the complete batches of {@code s} once what they applied is durable; nothing when {@code s} is
     * not the current session, or the commit failed.
     */
    void commit(SyncSession s) {
        boolean live = s != null && s == current.get();
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
    boolean durable() {
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
    void journalFailed() {
        auditor.invalidate();
        String why = RelativePaths.printable(String.valueOf(index.failure()));
        SyncSession s = current.get();
        if (s != null) {
            current.set(null);
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
    boolean recoverJournal() {
        try {
            index.recover();
            return true;
        } catch (Exception e) {
            LOG.errorf("Cannot rewrite the index journal: %s; sessions are refused until it can be", e);
            return false;
        }
    }
}
