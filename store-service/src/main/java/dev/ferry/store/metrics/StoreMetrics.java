package dev.ferry.store.metrics;

import dev.ferry.store.folder.FolderStack;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.VersionHistory;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Publishes the store's counters at /q/metrics (Prometheus): one line per metric, so a counter added to
 * {@link StoreStats} is published with one more line in {@link #bindTo}. Names get Prometheus' unit and
 * {@code _total} suffixes, e.g. {@code ferry.store.received} in bytes is {@code ferry_store_received_bytes_total}.
 * A store of many folders publishes each meter once per folder, tagged {@code folder="NAME"}.
 */
@Singleton
public class StoreMetrics implements MeterBinder {
    private final Folders folders;

    public StoreMetrics(Folders folders) {
        this.folders = folders;
    }

    @Override
    public void bindTo(MeterRegistry r) {
        if (!folders.many()) {
            // A store of one folder: today's names, no tag.
            bind(r, folders.resolve(null), Tags.empty());
            return;
        }
        // Prometheus wants one set of tag keys per name: with many folders every meter is tagged with its folder.
        for (FolderStack f : folders.named()) {
            bind(r, f, Tags.of("folder", f.name()));
        }
    }

    private void bind(MeterRegistry r, FolderStack f, Tags tags) {
        StoreStats stats = f.stats();
        SyncService sync = f.sync();
        ChunkStore chunks = f.chunks();
        MirrorIndex index = f.index();
        StoreLayout layout = f.layout();
        Meters m = new Meters(r, tags);
        m.counter("ferry.store.received", "bytes", "Chunk bytes received over REST, duplicates included", stats::bytesReceived);
        m.counter("ferry.store.received.wire", "bytes", "Chunk bytes received over REST as sent, compressed ones at their compressed size", stats::wireBytesReceived);
        m.counter("ferry.store.deduplicated", "bytes", "Chunk bytes received that the store already had", stats::bytesDeduplicated);
        m.counter("ferry.store.chunks.received", null, "Chunks received over REST, duplicates included", stats::chunksReceived);
        m.counter("ferry.store.chunks.deduplicated", null, "Chunks received that the store already had", stats::chunksDeduplicated);
        m.counter("ferry.store.entries.applied", null, "Files, directories and links written, moved or deleted in DEST", stats::entriesApplied);
        m.counter("ferry.store.batches.received", null, "Change batches received from watchers", stats::batchesReceived);
        m.counter("ferry.store.audit.repairs", null, "Entries of DEST the auditor found damaged or foreign and repaired", stats::auditRepairs);
        m.counter("ferry.store.gc.runs", null, "Garbage collections of unreferenced chunks finished", stats::gcRuns);
        m.counter("ferry.store.gc.collected.chunks", null, "Unreferenced chunks deleted by garbage collection", stats::chunksCollected);
        m.counter("ferry.store.gc.collected", "bytes", "Bytes of unreferenced chunks deleted by garbage collection", stats::bytesCollected);
        m.counter("ferry.store.verify.runs", null, "Integrity checks run", stats::verifyRuns);
        m.counter("ferry.store.verify.problems", null, "Problems the integrity checks found", stats::verifyProblems);
        m.counter("ferry.store.verify.repaired", null, "Problems the integrity checks repaired", stats::verifyRepaired);
        m.counter("ferry.store.chunks.corrupt", null, "Stored chunks found corrupt when read", chunks::corruptCount);
        m.gauge("ferry.store.chunks.stored", null, "Chunks kept in packs (those no mirror file holds)", chunks::chunkCount);
        m.gauge("ferry.store.stored", "bytes", "Bytes of chunks kept in packs, those no mirror file holds (each chunk once)", chunks::byteCount);
        m.gauge("ferry.store.packs", null, "Pack files of the chunk store", () -> chunks.packFigures()[0]);
        m.gauge("ferry.store.packs.size", "bytes", "Bytes of the pack files, dead records included", () -> chunks.packFigures()[1]);
        m.gauge("ferry.store.index.entries", null, "Entries of the mirror index (files, directories, links)", index::size);
        m.gauge("ferry.store.audit.unremovable", null, "Foreign entries of DEST the last audit could not remove (0 for a mirror)", stats::auditUnremovable);
        m.gauge("ferry.store.pending.files", null, "Files waiting for chunks before they can be written", sync::pendingFiles);
        m.gauge("ferry.store.pending.batches", null, "Change batches received and not yet applied completely", stats::openBatches);
        m.gaugeD("ferry.store.sync.lag", "seconds", "Age of the oldest change batch not yet applied completely (0: caught up)", stats::lagSeconds);
        m.gauge("ferry.store.watchers.connected", null, "Watcher sessions connected", () -> sync.current() == null ? 0 : 1);
        m.gaugeD("ferry.store.last.applied", "seconds", "Unix time of the last change applied to DEST (0: none yet)", () -> lastApplied(stats));
        m.gauge("ferry.store.dest.free", "bytes", "Free space on the file system of DEST", layout::usableSpaceOrUnknown);
        VersionHistory versions = index.versions();
        m.gauge("ferry.store.versions", null, "Kept versions of replaced, deleted and moved entries", versions::count);
        // Named with its unit: "ferry.store.versions" in bytes would be the same meter id as the count above.
        m.gauge("ferry.store.versions.bytes", null, "Bytes of the kept versions' files (their sizes added up)", versions::bytes);
        m.counter("ferry.store.versions.pruned", null, "Versions removed by retention (thinning, maximum age, budget), kept across restarts", versions::pruned);
    }

    /**
     * Registers meters with the tags of one folder. Micrometer holds the state object weakly: it is the metrics bean
     * (alive as long as the application), and the supplier is captured by the function, which the meter holds
     * strongly.
     */
    private final class Meters {
        private final MeterRegistry r;
        private final Tags tags;

        Meters(MeterRegistry r, Tags tags) {
            this.r = r;
            this.tags = tags;
        }

        void counter(String name, String unit, String help, LongSupplier value) {
            FunctionCounter.builder(name, StoreMetrics.this, self -> value.getAsLong()).tags(tags).baseUnit(unit)
                    .description(help).register(r);
        }

        void gauge(String name, String unit, String help, LongSupplier value) {
            Gauge.builder(name, StoreMetrics.this, self -> value.getAsLong()).tags(tags).baseUnit(unit).description(help)
                    .register(r);
        }

        void gaugeD(String name, String unit, String help, DoubleSupplier value) {
            Gauge.builder(name, StoreMetrics.this, self -> value.getAsDouble()).tags(tags).baseUnit(unit)
                    .description(help).register(r);
        }
    }

    private static double lastApplied(StoreStats stats) {
        Instant last = stats.lastApplied();
        return last == null ? 0 : last.toEpochMilli() / 1000.0;
    }
}
