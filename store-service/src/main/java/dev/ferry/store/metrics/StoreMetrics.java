package dev.ferry.store.metrics;

import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Publishes the store's counters at /q/metrics (Prometheus): one line per metric, so a counter added to
 * {@link StoreStats} is published with one more line in {@link #bindTo}. Names get Prometheus' unit and
 * {@code _total} suffixes, e.g. {@code ferry.store.received} in bytes is {@code ferry_store_received_bytes_total}.
 */
@Singleton
public class StoreMetrics implements MeterBinder {
    private final StoreStats stats;
    private final SyncService sync;
    private final ChunkStore chunks;
    private final MirrorIndex index;
    private final StoreLayout layout;

    public StoreMetrics(StoreStats stats, SyncService sync, ChunkStore chunks, MirrorIndex index, StoreLayout layout) {
        this.stats = stats;
        this.sync = sync;
        this.chunks = chunks;
        this.index = index;
        this.layout = layout;
    }

    @Override
    public void bindTo(MeterRegistry r) {
        counter(r, "ferry.store.received", "bytes", "Chunk bytes received over REST, duplicates included", stats::bytesReceived);
        counter(r, "ferry.store.received.wire", "bytes", "Chunk bytes received over REST as sent, compressed ones at their compressed size", stats::wireBytesReceived);
        counter(r, "ferry.store.deduplicated", "bytes", "Chunk bytes received that the store already had", stats::bytesDeduplicated);
        counter(r, "ferry.store.chunks.received", null, "Chunks received over REST, duplicates included", stats::chunksReceived);
        counter(r, "ferry.store.chunks.deduplicated", null, "Chunks received that the store already had", stats::chunksDeduplicated);
        counter(r, "ferry.store.entries.applied", null, "Files, directories and links written, moved or deleted in DEST", stats::entriesApplied);
        counter(r, "ferry.store.batches.received", null, "Change batches received from watchers", stats::batchesReceived);
        counter(r, "ferry.store.audit.repairs", null, "Entries of DEST the auditor found damaged or foreign and repaired", stats::auditRepairs);
        counter(r, "ferry.store.gc.runs", null, "Garbage collections of unreferenced chunks finished", stats::gcRuns);
        counter(r, "ferry.store.gc.collected.chunks", null, "Unreferenced chunks deleted by garbage collection", stats::chunksCollected);
        counter(r, "ferry.store.gc.collected", "bytes", "Bytes of unreferenced chunks deleted by garbage collection", stats::bytesCollected);
        counter(r, "ferry.store.verify.runs", null, "Integrity checks run", stats::verifyRuns);
        counter(r, "ferry.store.verify.problems", null, "Problems the integrity checks found", stats::verifyProblems);
        counter(r, "ferry.store.verify.repaired", null, "Problems the integrity checks repaired", stats::verifyRepaired);
        counter(r, "ferry.store.chunks.corrupt", null, "Stored chunks found corrupt when read", chunks::corruptCount);
        gauge(r, "ferry.store.chunks.stored", null, "Chunks kept in packs (those no mirror file holds)", chunks::chunkCount);
        gauge(r, "ferry.store.stored", "bytes", "Bytes of chunks kept in packs, those no mirror file holds (each chunk once)", chunks::byteCount);
        gauge(r, "ferry.store.packs", null, "Pack files of the chunk store", () -> chunks.packFigures()[0]);
        gauge(r, "ferry.store.packs.size", "bytes", "Bytes of the pack files, dead records included", () -> chunks.packFigures()[1]);
        gauge(r, "ferry.store.index.entries", null, "Entries of the mirror index (files, directories, links)", index::size);
        gauge(r, "ferry.store.audit.unremovable", null, "Foreign entries of DEST the last audit could not remove (0 for a mirror)", stats::auditUnremovable);
        gauge(r, "ferry.store.pending.files", null, "Files waiting for chunks before they can be written", sync::pendingFiles);
        gauge(r, "ferry.store.pending.batches", null, "Change batches received and not yet applied completely", stats::openBatches);
        gaugeD(r, "ferry.store.sync.lag", "seconds", "Age of the oldest change batch not yet applied completely (0: caught up)", stats::lagSeconds);
        gauge(r, "ferry.store.watchers.connected", null, "Watcher sessions connected", () -> sync.current() == null ? 0 : 1);
        gaugeD(r, "ferry.store.last.applied", "seconds", "Unix time of the last change applied to DEST (0: none yet)", this::lastApplied);
        gauge(r, "ferry.store.dest.free", "bytes", "Free space on the file system of DEST", layout::usableSpaceOrUnknown);
    }

    // Micrometer holds the state object weakly: it is this bean (alive as long as the application), and the
    // supplier is captured by the function, which the meter holds strongly.
    private void counter(MeterRegistry r, String name, String unit, String help, LongSupplier value) {
        FunctionCounter.builder(name, this, self -> value.getAsLong()).baseUnit(unit).description(help).register(r);
    }

    private void gauge(MeterRegistry r, String name, String unit, String help, LongSupplier value) {
        Gauge.builder(name, this, self -> value.getAsLong()).baseUnit(unit).description(help).register(r);
    }

    private void gaugeD(MeterRegistry r, String name, String unit, String help, DoubleSupplier value) {
        Gauge.builder(name, this, self -> value.getAsDouble()).baseUnit(unit).description(help).register(r);
    }

    private double lastApplied() {
        Instant last = stats.lastApplied();
        return last == null ? 0 : last.toEpochMilli() / 1000.0;
    }
}
