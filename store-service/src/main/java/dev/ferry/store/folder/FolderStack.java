package dev.ferry.store.folder;

import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.audit.StoreVerifier;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StateDatabase;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.pack.LocalPackStore;
import dev.ferry.store.storage.pack.PackStore;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.sync.ChunkCollector;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import dev.ferry.store.sync.VersionPruner;
import org.jboss.logging.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Everything one folder of the store runs on: a whole store layout at its path (lock, state database, packs, tmp,
 * source binding, ignore rules, kept versions), its index, chunk store, materializer, apply thread, auditor, sync
 * service (with its roles and dry runs), garbage collector, version pruner, verifier and counters. The unnamed folder's stack is the CDI beans
 * ({@link #of}); a named folder's is built by {@link #open} and closed by {@link Folders}.
 */
public final class FolderStack implements Closeable {
    private static final Logger LOG = Logger.getLogger(FolderStack.class);

    private final String name;
    private final StoreLayout layout;
    private final StateDatabase db;
    private final PackStore packs;
    private final MirrorIndex index;
    private final ChunkStore chunks;
    private final Materializer materializer;
    private final ApplyExecutor apply;
    private final StoreStats stats;
    private final DiskQuota quota;
    private final SourceBinding binding;
    private final DestAuditor auditor;
    private final SyncService sync;
    private final ChunkCollector collector;
    private final VersionPruner pruner;
    private final StoreVerifier verifier;
    /** True for a named folder's stack, which {@link #close} closes; the CDI beans close themselves. */
    private final boolean owned;

    private FolderStack(String name, StoreLayout layout, StateDatabase db, PackStore packs, MirrorIndex index,
                        ChunkStore chunks, Materializer materializer, ApplyExecutor apply, StoreStats stats,
                        DiskQuota quota, SourceBinding binding, DestAuditor auditor, SyncService sync,
                        ChunkCollector collector, VersionPruner pruner, boolean owned) {
        this.name = name;
        this.layout = layout;
        this.db = db;
        this.packs = packs;
        this.index = index;
        this.chunks = chunks;
        this.materializer = materializer;
        this.apply = apply;
        this.stats = stats;
        this.quota = quota;
        this.binding = binding;
        this.auditor = auditor;
        this.sync = sync;
        this.collector = collector;
        this.pruner = pruner;
        this.verifier = new StoreVerifier(chunks, index, materializer, layout);
        this.owned = owned;
    }

    /** The unnamed folder: the store's CDI beans (DEST itself, a store of one folder). */
    public static FolderStack of(StoreLayout layout, MirrorIndex index, ChunkStore chunks, Materializer materializer,
                                 ApplyExecutor apply, StoreStats stats, DiskQuota quota, SourceBinding binding,
                                 DestAuditor auditor, SyncService sync, ChunkCollector collector,
                                 VersionPruner pruner) {
        return new FolderStack(null, layout, null, null, index, chunks, materializer, apply, stats, quota, binding,
                auditor, sync, collector, pruner, false);
    }

    /** Opens (creating if needed) folder {@code name}'s store at {@code path}, wired as the CDI beans are. */
    public static FolderStack open(String name, Path path, StoreConfig config) throws IOException {
        StoreLayout layout = StoreLayout.open(path);
        StateDatabase db = null;
        PackStore packs = null;
        try {
            db = StateDatabase.open(layout.stateDir().resolve(StateDatabase.FILE));
            MirrorIndex index = new MirrorIndex(layout, db);
            packs = new LocalPackStore(layout.stateDir().resolve("packs"));
            ChunkStore chunks = new ChunkStore(layout, db, packs, index, index);
            Materializer materializer = new Materializer(layout, chunks, index);
            ApplyExecutor apply = new ApplyExecutor(name);
            StoreStats stats = new StoreStats();
            DiskQuota quota = new DiskQuota(config, chunks, index);
            SourceBinding binding = new SourceBinding(layout.sourceFile(), layout.tmpDir());
            StoreIgnoreRules ignore = new StoreIgnoreRules(layout.stateDir().resolve(StoreIgnoreRules.FILE), layout.tmpDir());
            DestAuditor auditor = new DestAuditor(layout, index, materializer, apply, stats, config, ignore);
            SyncService sync = new SyncService(layout, index, materializer, apply, stats, quota, binding, config, auditor, ignore);
            ChunkCollector collector = new ChunkCollector(chunks, index, sync, apply, stats, config);
            VersionPruner pruner = new VersionPruner(layout, index, chunks, apply, sync, config);
            FolderStack stack = new FolderStack(name, layout, db, packs, index, chunks, materializer, apply, stats, quota,
                    binding, auditor, sync, collector, pruner, true);
            try {
                pruner.open();
            } catch (Exception e) {
                closeQuietly(stack);
                throw new IOException("cannot open the version history of folder " + name + ": " + e.getMessage(), e);
            }
            return stack;
        } catch (IOException | RuntimeException e) {
            closeQuietly(packs);
            closeQuietly(db);
            closeQuietly(layout);
            throw e;
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                LOG.debugf("Closing after a failed open: %s", e);
            }
        }
    }

    /** The folder's name; null for the unnamed folder. */
    public String name() {
        return name;
    }

    public StoreLayout layout() {
        return layout;
    }

    public MirrorIndex index() {
        return index;
    }

    public ChunkStore chunks() {
        return chunks;
    }

    public Materializer materializer() {
        return materializer;
    }

    public ApplyExecutor apply() {
        return apply;
    }

    public StoreStats stats() {
        return stats;
    }

    public DiskQuota quota() {
        return quota;
    }

    public SourceBinding binding() {
        return binding;
    }

    public DestAuditor auditor() {
        return auditor;
    }

    public SyncService sync() {
        return sync;
    }

    public ChunkCollector collector() {
        return collector;
    }

    public VersionPruner pruner() {
        return pruner;
    }

    public StoreVerifier verifier() {
        return verifier;
    }

    /** Closes a named folder's stack in order: apply thread, index, state database, packs, lock. */
    @Override
    public void close() throws IOException {
        if (!owned) {
            return;
        }
        apply.shutdown();
        try {
            index.close();
        } finally {
            try {
                db.close();
            } finally {
                try {
                    packs.close();
                } finally {
                    layout.close();
                }
            }
        }
    }
}
