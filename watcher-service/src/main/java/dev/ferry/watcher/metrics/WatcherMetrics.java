package dev.ferry.watcher.metrics;

import dev.ferry.watcher.runtime.WatcherRuntime;
import dev.ferry.watcher.sync.SyncStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.function.ToDoubleFunction;

/**
 * Publishes the watcher's counters at /q/metrics (Prometheus): one line per metric, so a counter added to
 * {@link SyncStatus} is published with one more line in {@link #bindTo}. Before the watcher runs every value is 0.
 * Names get Prometheus' unit and {@code _total} suffixes, e.g. {@code ferry.watcher.uploaded} in bytes is
 * {@code ferry_watcher_uploaded_bytes_total}.
 */
@Singleton
public class WatcherMetrics implements MeterBinder {
    private final WatcherRuntime runtime;

    public WatcherMetrics(WatcherRuntime runtime) {
        this.runtime = runtime;
    }

    @Override
    public void bindTo(MeterRegistry r) {
        counter(r, "ferry.watcher.uploaded", "bytes", "Chunk bytes uploaded to the store", SyncStatus::bytesUploaded);
        counter(r, "ferry.watcher.uploaded.wire", "bytes", "Bytes of chunk upload bodies the store accepted, as sent: compressed chunks at their compressed size, record headers included", SyncStatus::bytesUploadedOnWire);
        counter(r, "ferry.watcher.chunks.uploaded", null, "Chunks uploaded to the store", SyncStatus::chunksUploaded);
        counter(r, "ferry.watcher.hashed", "bytes", "Bytes of source files read and hashed", s -> s.work().bytesHashed());
        counter(r, "ferry.watcher.files.hashed", null, "Source files hashed", s -> s.work().filesHashed());
        gauge(r, "ferry.watcher.files.queued", null, "Changed files the current scan has not hashed yet", s -> s.work().filesQueuedForHashing());
        gauge(r, "ferry.watcher.hash.queued", "bytes", "Bytes of the files waiting to be hashed", s -> s.work().bytesQueuedForHashing());
        gauge(r, "ferry.watcher.chunks.queued", null, "Chunks the store asked for that are not uploaded yet", s -> s.work().chunksQueuedForUpload());
        gauge(r, "ferry.watcher.upload.queued", "bytes", "Bytes of the chunks waiting to be uploaded", s -> s.work().bytesQueuedForUpload());
        gauge(r, "ferry.watcher.batches.in.flight", null, "Change batches sent and not yet acknowledged", SyncStatus::pendingBatches);
        gauge(r, "ferry.watcher.deletes.held", null, "Entries whose deletion the delete brake holds (release with --release-deletes)", SyncStatus::deletesHeld);
        gauge(r, "ferry.watcher.source.files", null, "Files in the source as last scanned", SyncStatus::filesKnown);
        gauge(r, "ferry.watcher.source", "bytes", "Bytes of the files in the source as last scanned", SyncStatus::bytesKnown);
        gauge(r, "ferry.watcher.scanning", null, "1 while a full scan of the source runs", s -> s.state().equals("scanning") ? 1 : 0);
        gauge(r, "ferry.watcher.paused", null, "1 while sending is paused (ferry-watcher pause)", s -> s.pausedSince() != null ? 1 : 0);
        gauge(r, "ferry.watcher.connected", null, "1 while connected to the store", s -> s.connected() ? 1 : 0);
        gauge(r, "ferry.watcher.in.sync", null, "1 while the store has confirmed the mirror and nothing is pending", s -> s.state().equals("idle") ? 1 : 0);
        gauge(r, "ferry.watcher.last.sync", "seconds", "Unix time of the last acknowledgement or confirmation (0: none yet)", WatcherMetrics::lastSync);
    }

    private static double lastSync(SyncStatus s) {
        Instant at = s.lastSyncAt();
        return at == null ? 0 : at.toEpochMilli() / 1000.0;
    }

    private double read(ToDoubleFunction<SyncStatus> value) {
        return runtime.status().map(value::applyAsDouble).orElse(0.0);
    }

    // Micrometer holds the state object weakly: it is this bean, alive as long as the application.
    private void counter(MeterRegistry r, String name, String unit, String help, ToDoubleFunction<SyncStatus> value) {
        FunctionCounter.builder(name, this, self -> read(value)).baseUnit(unit).description(help).register(r);
    }

    private void gauge(MeterRegistry r, String name, String unit, String help, ToDoubleFunction<SyncStatus> value) {
        Gauge.builder(name, this, self -> read(value)).baseUnit(unit).description(help).register(r);
    }
}
