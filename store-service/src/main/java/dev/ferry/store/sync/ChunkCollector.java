package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.ChunkLocation;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Garbage collection of chunks nothing needs any more (docs/STORAGE.md, "Garbage collection"): mark every chunk
 * the index or a pending file references, then sweep the pack locations in 256 slices (by the hash's first byte)
 * one at a time, dropping a location only when it is unmarked, was not looked up, read or stored since the mark,
 * and was last stored before the grace period; then commit, delete packs with nothing live and repack partly dead
 * ones.
 * The mark and every sweep step run on the apply thread, the only thread that adds references, so no reference
 * can appear between a step's check and its delete; other work runs between the steps.
 */
@Singleton
public class ChunkCollector {
    private static final Logger LOG = Logger.getLogger(ChunkCollector.class);

    /** What one collection did. */
    public record Report(long referenced, long kept, long young, long collected, long bytesCollected, long millis) {
    }

    /** A pack more than this share dead is copied (its live records) and deleted. */
    static final double REPACK_DEAD_SHARE = 0.5;

    private final ChunkStore chunks;
    private final MirrorIndex index;
    private final SyncService sync;
    private final ApplyExecutor apply;
    private final StoreStats stats;
    private final Duration grace;
    private final Object oneAtATime = new Object();

    @Inject
    public ChunkCollector(ChunkStore chunks, MirrorIndex index, SyncService sync, ApplyExecutor apply, StoreStats stats,
                          StoreConfig config) {
        this(chunks, index, sync, apply, stats, config.store().gcGrace());
    }

    public ChunkCollector(ChunkStore chunks, MirrorIndex index, SyncService sync, ApplyExecutor apply, StoreStats stats,
                          Duration grace) {
        this.chunks = chunks;
        this.index = index;
        this.sync = sync;
        this.apply = apply;
        this.stats = stats;
        this.grace = grace;
    }

    @Scheduled(every = "${ferry.store.gc-interval:1h}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void scheduled() {
        try {
            collect(grace);
        } catch (Exception e) {
            LOG.warnf("Garbage collection failed (nothing needed was deleted; the next run tries again): %s", e);
        }
    }

    /** One full collection with the configured grace period. */
    public Report collect() throws Exception {
        return collect(grace);
    }

    /** One full collection: chunks unreferenced and untouched for at least {@code grace} are deleted. */
    public Report collect(Duration grace) throws Exception {
        synchronized (oneAtATime) {
            long t0 = System.nanoTime();
            Set<ChunkHash> accessed = ConcurrentHashMap.newKeySet();
            Set<ChunkHash> marked = apply.call(() -> {
                chunks.recordAccess(accessed);
                Set<ChunkHash> refs = new HashSet<>();
                for (Manifest m : index.manifests()) {
                    if (m.type() == EntryType.FILE) {
                        for (ChunkRef c : m.chunks()) {
                            refs.add(c.hash());
                        }
                    }
                }
                sync.pendingChunks(refs);
                return refs;
            });
            long[] counts = new long[4];
            try {
                long cutoff = System.currentTimeMillis() - grace.toMillis();
                for (int fan = 0; fan < 256; fan++) {
                    int f = fan;
                    apply.call(() -> {
                        sweep(f, marked, cutoff, counts);
                        return null;
                    });
                }
                // The dropped locations are committed before any pack goes; then partly dead packs are compacted.
                apply.call(() -> {
                    chunks.flush();
                    return null;
                });
                apply.call(() -> chunks.repack(REPACK_DEAD_SHARE));
            } finally {
                chunks.recordAccess(null);
            }
            Report r = new Report(marked.size(), counts[0], counts[1], counts[2], counts[3], (System.nanoTime() - t0) / 1_000_000);
            stats.collected(r.collected(), r.bytesCollected());
            if (r.collected() > 0) {
                LOG.infof("Garbage collection: deleted %d unreferenced chunks (%d bytes) untouched for %s; kept %d "
                        + "referenced, %d younger than the grace period, in %d ms", r.collected(), r.bytesCollected(),
                        grace, r.kept(), r.young(), r.millis());
            } else {
                LOG.debugf("Garbage collection: nothing to delete (%d chunks referenced, %d young)", r.kept(), r.young());
            }
            return r;
        }
    }

    private void sweep(int fan, Set<ChunkHash> marked, long cutoffMillis, long[] counts) throws IOException {
        for (Map.Entry<ChunkHash, ChunkLocation> e : chunks.fan(fan)) {
            ChunkHash h = e.getKey();
            if (marked.contains(h) || chunks.accessedSinceMark(h)) {
                counts[0]++;
                continue;
            }
            if (e.getValue().touchedMillis() > cutoffMillis) {
                counts[1]++;
                continue;
            }
            long size = chunks.delete(h);
            if (size >= 0) {
                counts[2]++;
                counts[3] += size;
            }
        }
    }
}
