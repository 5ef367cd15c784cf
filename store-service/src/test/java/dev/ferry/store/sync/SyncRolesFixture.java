package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StateDatabase;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.TestChunkStores;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The store's sync roles over a real DEST (state database, packs, materializer) in a temp directory, wired as
 * {@link SyncService} wires them, without Quarkus or a socket. Role calls go through {@link #onApply} so they run
 * on the apply thread, as in the store.
 */
final class SyncRolesFixture implements AutoCloseable {
    static final int MAX_BATCH_ITEMS = 100;
    static final long MAX_SESSION_BYTES = 64L * 1024 * 1024;

    final StoreLayout layout;
    final StateDatabase db;
    final MirrorIndex index;
    final ChunkStore chunks;
    final Materializer materializer;
    final ApplyExecutor apply = new ApplyExecutor();
    final StoreStats stats = new StoreStats();
    final DestAuditor auditor;
    final SourceBinding binding;
    final StoreIgnoreRules ignore;
    final PendingFiles pending = new PendingFiles();
    final CurrentSession current = new CurrentSession();
    final GroupCommit commits;
    final SessionGate gate;
    final IndexReconciler reconciler;
    final ChangeApplier changes;

    /** A store at {@code dest} with no disk quota. */
    SyncRolesFixture(Path dest) throws Exception {
        layout = StoreLayout.open(dest);
        db = TestChunkStores.db(layout);
        index = new MirrorIndex(layout, db);
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
        auditor = new DestAuditor(layout, index, materializer, apply, stats, true);
        binding = new SourceBinding(layout.sourceFile(), layout.tmpDir());
        ignore = new StoreIgnoreRules(layout.stateDir().resolve(StoreIgnoreRules.FILE), layout.tmpDir());
        commits = new GroupCommit(index, materializer, auditor, stats, pending, current);
        gate = new SessionGate(layout, index, binding, ignore, auditor, pending, current, commits);
        reconciler = new IndexReconciler(layout, index, materializer, ignore, auditor, MAX_BATCH_ITEMS, MAX_SESSION_BYTES);
        changes = new ChangeApplier(index, materializer, apply, auditor, stats, new DiskQuota(-1, chunks, index), ignore,
                pending, current, commits, MAX_BATCH_ITEMS, MAX_SESSION_BYTES);
        apply.whenIdle(commits::durable);
    }

    /** Runs {@code task} on the apply thread and returns its result. */
    <T> T onApply(Callable<T> task) throws Exception {
        return apply.call(task);
    }

    void onApply(Runnable task) throws Exception {
        apply.call(() -> {
            task.run();
            return null;
        });
    }

    static Message.Hello hello(String clientId, String sourceId, String rootDigest) {
        return new Message.Hello(Message.VERSION, clientId, ChunkerParams.DEFAULT, rootDigest, 0, sourceId, null);
    }

    /** A greeted session of source {@code sourceId}; its welcome is taken off the channel. */
    SyncSession greeted(CapturingChannel channel, String sourceId) throws Exception {
        SyncSession s = new SyncSession(channel);
        onApply(() -> gate.hello(s, hello("w-" + channel.id(), sourceId, "not-the-root")));
        channel.next(Message.Welcome.class);
        return s;
    }

    /** {@code changes} batch {@code n} handled as the store handles a message: applied, then group-committed. */
    void send(SyncSession s, long n, Change... items) throws Exception {
        onApply(() -> {
            changes.changes(s, new Message.Changes(n, List.of(items)));
            commits.commit(s);
        });
    }

    /** Stores the chunks of {@code data} in the chunk store. */
    void store(TestData.FileData data) throws Exception {
        for (byte[] p : data.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
    }

    /** Applies {@code m} (its chunks stored) straight to DEST and the index, as a past session would have. */
    void applied(Manifest m) throws Exception {
        onApply(() -> {
            materializer.apply(m);
            index.put(m);
            commits.durable();
            return null;
        });
    }

    @Override
    public void close() throws Exception {
        apply.shutdown();
        index.close();
        layout.close();
    }
}
