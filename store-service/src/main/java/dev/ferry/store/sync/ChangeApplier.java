package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.VersionHistory;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Applies {@code changes} batches to DEST and the index: upserts (or their patches), deletes and moves. A file
 * whose chunks are not all stored waits in {@link PendingFiles} and is written once they are; its batch is
 * acknowledged (through {@link GroupCommit}) when its last item is done. Apply thread only, but for the writers.
 */
final class ChangeApplier {
    /** The store's sync log lines keep one category (the README shows it), whichever role writes them. */
    private static final Logger LOG = Logger.getLogger(SyncService.class);

    private final MirrorIndex index;
    private final Materializer materializer;
    private final ApplyExecutor apply;
    private final DestAuditor auditor;
    private final StoreStats stats;
    private final DiskQuota quota;
    private final StoreIgnoreRules ignore;
    private final PendingFiles pending;
    private final CurrentSession current;
    private final GroupCommit commits;
    private final int maxBatchItems;
    private final long maxSessionBytes;
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

    ChangeApplier(MirrorIndex index, Materializer materializer, ApplyExecutor apply, DestAuditor auditor,
                  StoreStats stats, DiskQuota quota, StoreIgnoreRules ignore, PendingFiles pending,
                  CurrentSession current, GroupCommit commits, int maxBatchItems, long maxSessionBytes) {
        this.index = index;
        this.materializer = materializer;
        this.apply = apply;
        this.auditor = auditor;
        this.stats = stats;
        this.quota = quota;
        this.ignore = ignore;
        this.pending = pending;
        this.current = current;
        this.commits = commits;
        this.maxBatchItems = maxBatchItems;
        this.maxSessionBytes = maxSessionBytes;
    }

    void changes(SyncSession s, Message.Changes c) {
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
            materializer.delete(replaces.path(), ignore.rules(), VersionHistory.Reason.MOVED);
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
    void chunksArrived(List<ChunkHash> hashes) {
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
        SyncSession s = current.get();
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
        commits.commit(s);
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
