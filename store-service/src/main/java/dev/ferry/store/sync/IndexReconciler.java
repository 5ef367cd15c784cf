package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.ReconcileSpill;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.StoreIgnoreRules;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The reconcile after a hello that was not in sync: the watcher's index arrives in {@code index} frames and is kept
 * in a {@link ReconcileSpill} on disk, not on the heap, so a tree of any size reconciles; on the last frame, the
 * entries it lacks leave DEST (or, when ignored now, only the index) and the paths whose digest differs are asked for
 * in {@code need} frames, streamed as they are found. Apply thread only.
 */
final class IndexReconciler {
    /** The store's sync log lines keep one category (the README shows it), whichever role writes them. */
    private static final Logger LOG = Logger.getLogger(SyncService.class);
    private static final int NEED_FRAME_BYTES = 4 * 1024 * 1024;

    private final StoreLayout layout;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final StoreIgnoreRules ignore;
    private final DestAuditor auditor;
    private final int maxBatchItems;
    private final long maxSessionBytes;

    IndexReconciler(StoreLayout layout, MirrorIndex index, Materializer materializer, StoreIgnoreRules ignore,
                    DestAuditor auditor, int maxBatchItems, long maxSessionBytes) {
        this.layout = layout;
        this.index = index;
        this.materializer = materializer;
        this.ignore = ignore;
        this.auditor = auditor;
        this.maxBatchItems = maxBatchItems;
        this.maxSessionBytes = maxSessionBytes;
    }

    void indexBatch(SyncSession s, Message.IndexBatch b) {
        if (b.entries().size() > maxBatchItems) {
            s.endReconcile();
            s.send(new Message.Error(ErrorCode.TOO_LARGE, "an index frame has at most " + maxBatchItems + " entries, not "
                    + b.entries().size() + ": the reconcile is dropped, start it again with smaller frames"));
            return;
        }
        s.reconciling = !b.last();
        try {
            if (s.theirIndex == null) {
                s.theirIndex = spill(s);
            }
            for (Message.IndexEntry e : b.entries()) {
                if (e != null && e.path() != null && e.digest() != null) {
                    s.theirIndex.put(e.path(), e.digest());
                }
            }
            if (s.theirIndex.heapBytes() > maxSessionBytes) {
                s.endReconcile();
                s.fail(ErrorCode.TOO_LARGE, "the index passes the store's limit of " + maxSessionBytes
                        + " bytes a session (ferry.store.max-session-bytes), and .ferry/tmp cannot hold it");
                return;
            }
        } catch (RuntimeException e) {
            s.endReconcile();
            LOG.warnf("Cannot keep the reconcile index of %s: %s", s.describe(), e);
            s.fail(ErrorCode.IO_ERROR, "the store cannot keep the reconcile index ("
                    + RelativePaths.printable(String.valueOf(e)) + "): reconnect to start it again",
                    ErrorCode.Close.UNEXPECTED_CONDITION);
            return;
        }
        if (!b.last()) {
            return;
        }
        try (ReconcileSpill theirs = s.theirIndex) {
            s.theirIndex = null;
            reconcile(s, theirs);
        }
    }

    /**
     * A spill file under {@code tmp/}, or on the heap when none can be made there: a read-only DEST, or one with less
     * than {@link ReconcileSpill#DISK_RESERVE} free (a reconcile that removes files is how a full DEST gets space back).
     */
    private ReconcileSpill spill(SyncSession s) {
        try {
            if (layout.usableSpace() < ReconcileSpill.DISK_RESERVE) {
                throw new IOException("fewer than " + (ReconcileSpill.DISK_RESERVE >> 20) + " MiB free on the store's disk");
            }
            return ReconcileSpill.create(layout.tmpDir());
        } catch (IOException e) {
            LOG.warnf("The reconcile index of %s is kept on the heap (at most ferry.store.max-session-bytes): %s",
                    s.describe(), e.getMessage());
            return ReconcileSpill.onHeap();
        }
    }

    /** Removes what {@code theirs} lacks (newest paths first, so a folder's content goes before it) and asks for what differs. */
    private void reconcile(SyncSession s, ReconcileSpill theirs) {
        int removed = 0;
        int forgotten = 0;
        dev.ferry.protocol.ignore.IgnoreRules rules = ignore.rules();
        for (Map.Entry<String, String> mine : index.digestsDescending()) {
            String path = mine.getKey();
            Manifest entry = index.get(path);
            if (theirs.contains(path) || entry == null) {
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
        NeedFrames need = new NeedFrames(s);
        for (Iterator<Map.Entry<String, String>> it = theirs.entries(); it.hasNext(); ) {
            Map.Entry<String, String> e = it.next();
            if (RelativePaths.isValid(e.getKey()) && !e.getValue().equals(index.digestOf(e.getKey()))) {
                need.add(e.getKey());
            }
        }
        need.finish();
        index.markReconciled();
        LOG.infof("Reconciled with %s: removed %d entries it lacks, forgot %d it ignores, need %d of its %d",
                s.describe(), removed, forgotten, need.count, theirs.size());
    }

    /** The paths the store asks for, sent in path order as frames of at most 4 MiB fill, the last one marked. */
    private static final class NeedFrames {
        private final SyncSession session;
        private List<String> frame = new ArrayList<>();
        private int bytes;
        int count;

        NeedFrames(SyncSession session) {
            this.session = session;
        }

        void add(String path) {
            int size = path.getBytes(StandardCharsets.UTF_8).length * 2 + 4;
            if (!frame.isEmpty() && bytes + size > NEED_FRAME_BYTES) {
                session.send(new Message.Need(frame, false));
                frame = new ArrayList<>();
                bytes = 0;
            }
            frame.add(path);
            bytes += size;
            count++;
        }

        void finish() {
            session.send(new Message.Need(frame, true));
        }
    }
}
