package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The reconcile after a hello that was not in sync: the watcher's index arrives in {@code index} frames; on the
 * last, the entries it lacks leave DEST (or, when ignored now, only the index) and the paths whose digest differs
 * are asked for in {@code need} frames. Apply thread only.
 */
final class IndexReconciler {
    /** The store's sync log lines keep one category (the README shows it), whichever role writes them. */
    private static final Logger LOG = Logger.getLogger(SyncService.class);
    private static final int NEED_FRAME_BYTES = 4 * 1024 * 1024;

    private final MirrorIndex index;
    private final Materializer materializer;
    private final StoreIgnoreRules ignore;
    private final DestAuditor auditor;
    private final int maxBatchItems;
    private final long maxSessionBytes;

    IndexReconciler(MirrorIndex index, Materializer materializer, StoreIgnoreRules ignore, DestAuditor auditor,
                    int maxBatchItems, long maxSessionBytes) {
        this.index = index;
        this.materializer = materializer;
        this.ignore = ignore;
        this.auditor = auditor;
        this.maxBatchItems = maxBatchItems;
        this.maxSessionBytes = maxSessionBytes;
    }

    void indexBatch(SyncSession s, Message.IndexBatch b) {
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

}
