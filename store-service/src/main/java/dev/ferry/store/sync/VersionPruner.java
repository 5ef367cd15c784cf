package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.VersionHistory;
import dev.ferry.store.storage.VersionRetention;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Retention of the version history: switches it on or off at start ({@code ferry.store.versions.keep}), matches the
 * versions folder with the records, and every {@code ferry.store.versions.prune-interval} removes, on the apply
 * thread, what {@link VersionRetention} thins out, what is older than the maximum age, and the oldest versions while
 * their files hold more than the budget. Removed records (and their chunk regions) are committed before their files
 * are deleted; a crash in between leaves files no record names, deleted at the next start. A version holding a
 * chunk a pending file still waits for is left for the next run (the file is built from it).
 */
@Singleton
public class VersionPruner {
    private static final Logger LOG = Logger.getLogger(VersionPruner.class);
    /** Records dropped per commit, so a large prune does not hold the apply thread or the heap for long. */
    static final int DROPS_PER_COMMIT = 10_000;

    /** What one run removed. */
    public record Report(long thinned, long expired, long overBudget, long bytesFreed) {
        public long removed() {
            return thinned + expired + overBudget;
        }
    }

    private final MirrorIndex index;
    private final ChunkStore chunks;
    private final ApplyExecutor apply;
    private final SyncService sync;
    private final Path dir;
    private final VersionRetention retention;
    private final boolean keep;
    private final String budgetSetting;
    private volatile long budgetBytes = -1;

    @Inject
    public VersionPruner(StoreLayout layout, MirrorIndex index, ChunkStore chunks, ApplyExecutor apply, SyncService sync,
                         StoreConfig config) {
        this(layout.versionsDir(), index, chunks, apply, sync, config.store().versions().keep() == StoreConfig.Keep.STAGGERED,
                config.store().versions().maxAge(), config.store().versions().budget());
    }

    public VersionPruner(Path dir, MirrorIndex index, ChunkStore chunks, ApplyExecutor apply, SyncService sync,
                         boolean keep, Duration maxAge, String budget) {
        this.dir = dir;
        this.index = index;
        this.chunks = chunks;
        this.apply = apply;
        this.sync = sync;
        this.keep = keep;
        this.retention = new VersionRetention(maxAge);
        this.budgetSetting = budget;
    }

    void start(@Observes StartupEvent event) throws Exception {
        open();
    }

    /** Switches history on or off and matches the versions folder with the records (at start). */
    public void open() throws Exception {
        budget(); // a bad setting fails the start, with its reason
        apply.call(() -> {
            VersionHistory h = index.versions();
            h.enable(keep);
            h.reconcile(dir);
            if (!keep) {
                // Nothing is kept from now on; what was kept before goes as the budget of 0 would make it.
                prune(0);
            }
            chunks.flush(); // the store's commit order: packs synced, then the maps committed
            return null;
        });
    }

    /** The budget in bytes: a size, or a share of DEST's file system. */
    public long budget() throws IOException {
        long b = budgetBytes;
        if (b < 0) {
            Path probe = Files.exists(dir) ? dir : dir.getParent();
            b = VersionRetention.budget(budgetSetting, Files.getFileStore(probe));
            budgetBytes = b;
        }
        return b;
    }

    @Scheduled(every = "${ferry.store.versions.prune-interval:1m}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void scheduled() {
        try {
            prune();
        } catch (Exception e) {
            LOG.warnf("Version retention failed (the next run tries again): %s", e);
        }
    }

    /** One run with the configured budget. */
    public Report prune() throws Exception {
        long budget = budget();
        return apply.call(() -> prune(budget));
    }

    /** One run on the apply thread. */
    private Report prune(long budget) throws IOException {
        VersionHistory h = index.versions();
        Set<ChunkHash> pending = new HashSet<>();
        if (sync != null) {
            sync.pendingChunks(pending);
        }
        long now = h.now();
        long[] counts = new long[4];
        List<Long> doomed = new ArrayList<>();
        // Thinning and maximum age: one path's versions at a time (path order, oldest first).
        Iterator<VersionHistory.Version> all = h.under("", true);
        List<VersionHistory.Version> one = new ArrayList<>();
        while (true) {
            VersionHistory.Version v = all.hasNext() ? all.next() : null;
            if (v == null || (!one.isEmpty() && !one.get(0).path().equals(v.path()))) {
                thin(one, now, pending, doomed, counts);
                one.clear();
                if (doomed.size() >= DROPS_PER_COMMIT) {
                    drop(doomed, counts);
                }
            }
            if (v == null) {
                break;
            }
            one.add(v);
        }
        drop(doomed, counts);
        // The budget: the oldest go first.
        Iterator<Long> oldest = h.numbersOldestFirst();
        long left = h.bytes();
        while ((left > budget || (budget == 0 && h.count() > doomed.size())) && oldest.hasNext()) {
            VersionHistory.Version v = h.get(oldest.next());
            if (v == null || (budget > 0 && needed(v, pending))) {
                continue;
            }
            doomed.add(v.number());
            left -= v.bytes();
            counts[2]++;
            counts[3] += v.bytes();
            if (doomed.size() >= DROPS_PER_COMMIT) {
                drop(doomed, counts);
            }
        }
        drop(doomed, counts);
        Report r = new Report(counts[0], counts[1], counts[2], counts[3]);
        if (r.removed() > 0) {
            h.pruned(r.removed());
            chunks.flush(); // the store's commit order: packs synced, then the maps committed
            LOG.infof("Version retention: removed %d versions (%d thinned, %d older than the maximum age, %d over the "
                    + "budget), %d bytes", r.removed(), r.thinned(), r.expired(), r.overBudget(), r.bytesFreed());
        }
        return r;
    }

    private void thin(List<VersionHistory.Version> oldestFirst, long now, Set<ChunkHash> pending, List<Long> doomed,
                      long[] counts) {
        int n = oldestFirst.size();
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            times[i] = oldestFirst.get(n - 1 - i).toMillis();
        }
        boolean[] remove = retention.toRemove(times, now);
        for (int i = 0; i < n; i++) {
            if (!remove[i]) {
                continue;
            }
            VersionHistory.Version v = oldestFirst.get(n - 1 - i);
            boolean expired = retention.expired(v.toMillis(), now);
            if (!expired && needed(v, pending)) {
                continue;
            }
            doomed.add(v.number());
            counts[expired ? 1 : 0]++;
            counts[3] += v.bytes();
        }
    }

    private static boolean needed(VersionHistory.Version v, Set<ChunkHash> pending) {
        if (pending.isEmpty()) {
            return false;
        }
        for (ChunkRef c : v.manifest().chunks()) {
            if (pending.contains(c.hash())) {
                return true;
            }
        }
        return false;
    }

    /** Drops the records, commits, then deletes their files. */
    private void drop(List<Long> numbers, long[] counts) throws IOException {
        if (numbers.isEmpty()) {
            return;
        }
        VersionHistory h = index.versions();
        List<Long> files = new ArrayList<>();
        for (long n : numbers) {
            VersionHistory.Version v = h.drop(n);
            if (v != null && v.manifest().type() == dev.ferry.protocol.EntryType.FILE) {
                files.add(n);
            }
        }
        chunks.flush(); // the store's commit order: packs synced, then the maps committed
        for (long n : files) {
            Files.deleteIfExists(dir.resolve(String.format(java.util.Locale.ROOT, "%016x", n)));
        }
        numbers.clear();
    }
}
