package dev.ferry.store.sync;

import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the running store, read by the status endpoint, the status page and the Prometheus metrics
 * ({@code dev.ferry.store.metrics.StoreMetrics} publishes each one: add a line there for a new counter). Thread-safe.
 */
@Singleton
public class StoreStats {
    /** How many applied changes {@link #recentChanges()} remembers. */
    public static final int RECENT = 50;

    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong wireBytesReceived = new AtomicLong();
    private final AtomicLong bytesDeduplicated = new AtomicLong();
    private final AtomicLong fileBytesApplied = new AtomicLong();
    private final AtomicLong chunksReceived = new AtomicLong();
    private final AtomicLong chunksDeduplicated = new AtomicLong();
    private final AtomicLong entriesApplied = new AtomicLong();
    private final AtomicLong auditRepairs = new AtomicLong();
    private final AtomicLong gcRuns = new AtomicLong();
    private final AtomicLong chunksCollected = new AtomicLong();
    private final AtomicLong bytesCollected = new AtomicLong();
    private final AtomicLong verifyRuns = new AtomicLong();
    private final AtomicLong verifyProblems = new AtomicLong();
    private final AtomicLong verifyRepaired = new AtomicLong();
    private final AtomicLong batchesReceived = new AtomicLong();
    private final ArrayDeque<AppliedChange> recent = new ArrayDeque<>(RECENT);
    private volatile Instant lastApplied;
    private volatile int openBatches;
    private volatile int auditUnremovable;
    private volatile long oldestOpenBatchNanos;

    /** One applied change: when, what ({@code upsert}, {@code delete}, {@code move}) and the path. */
    public record AppliedChange(Instant at, String op, String path) {
    }

    /** One uploaded chunk of {@code bytes} bytes; {@code duplicate} when the store already had it. */
    public void chunkReceived(int bytes, boolean duplicate) {
        bytesReceived.addAndGet(bytes);
        chunksReceived.incrementAndGet();
        if (duplicate) {
            bytesDeduplicated.addAndGet(bytes);
            chunksDeduplicated.incrementAndGet();
        }
    }

    /** A file of {@code bytes} bytes written into the mirror (from uploads, other files' regions or packs). */
    public void fileApplied(long bytes) {
        fileBytesApplied.addAndGet(bytes);
    }

    /** The sizes of the files written into the mirror since start, added up. */
    public long fileBytesApplied() {
        return fileBytesApplied.get();
    }

    /** An uploaded chunk's bytes as they came (compressed ones at their compressed size, record headers excluded). */
    public void chunkOnWire(int bytes) {
        wireBytesReceived.addAndGet(bytes);
    }

    /** Chunk bytes as they came over REST: {@link #bytesReceived()} less what compression saved. */
    public long wireBytesReceived() {
        return wireBytesReceived.get();
    }

    /** One entry of the mirror was changed: {@code op} is upsert, delete or move, {@code path} its (new) path. */
    public void applied(String op, String path) {
        Instant now = Instant.now();
        entriesApplied.incrementAndGet();
        lastApplied = now;
        synchronized (recent) {
            if (recent.size() == RECENT) {
                recent.removeFirst();
            }
            recent.addLast(new AppliedChange(now, op, path));
        }
    }

    public void repaired(int count) {
        auditRepairs.addAndGet(count);
    }

    /** The last audit found {@code count} foreign entries in DEST that it cannot remove (or read). */
    public void auditUnremovable(int count) {
        auditUnremovable = count;
    }

    /** Foreign entries of DEST the last audit could not remove: while any is there, DEST is not a mirror. */
    public int auditUnremovable() {
        return auditUnremovable;
    }

    /** One garbage collection finished, deleting {@code chunks} chunks of {@code bytes} bytes in all. */
    public void collected(long chunks, long bytes) {
        gcRuns.incrementAndGet();
        chunksCollected.addAndGet(chunks);
        bytesCollected.addAndGet(bytes);
    }

    /** One integrity check found {@code found} problems and repaired {@code repaired} of them. */
    public void verified(long found, long repaired) {
        verifyRuns.incrementAndGet();
        verifyProblems.addAndGet(found);
        verifyRepaired.addAndGet(repaired);
    }

    public long verifyRuns() {
        return verifyRuns.get();
    }

    public long verifyProblems() {
        return verifyProblems.get();
    }

    public long verifyRepaired() {
        return verifyRepaired.get();
    }

    public long gcRuns() {
        return gcRuns.get();
    }

    public long chunksCollected() {
        return chunksCollected.get();
    }

    public long bytesCollected() {
        return bytesCollected.get();
    }

    /** A {@code changes} batch arrived. */
    public void batchReceived() {
        batchesReceived.incrementAndGet();
    }

    /**
     * The batches of the current session that are not applied completely yet, and when ({@link System#nanoTime()})
     * the oldest of them arrived; set on the apply thread after each step.
     */
    public void openBatches(int count, long oldestArrivalNanos) {
        oldestOpenBatchNanos = oldestArrivalNanos;
        openBatches = count;
    }

    public long bytesReceived() {
        return bytesReceived.get();
    }

    public long bytesDeduplicated() {
        return bytesDeduplicated.get();
    }

    public long chunksReceived() {
        return chunksReceived.get();
    }

    public long chunksDeduplicated() {
        return chunksDeduplicated.get();
    }

    public long entriesApplied() {
        return entriesApplied.get();
    }

    public long auditRepairs() {
        return auditRepairs.get();
    }

    public long batchesReceived() {
        return batchesReceived.get();
    }

    /** Batches received and not yet applied completely (waiting for chunks, or queued). */
    public int openBatches() {
        return openBatches;
    }

    /** Sync lag: how long the oldest batch not yet applied completely has been waiting, in seconds; 0 when none. */
    public double lagSeconds() {
        int open = openBatches;
        long since = oldestOpenBatchNanos;
        return open == 0 ? 0 : Math.max(0, System.nanoTime() - since) / 1e9;
    }

    /** When an entry was last applied to DEST, or null. */
    public Instant lastApplied() {
        return lastApplied;
    }

    /** The last {@link #RECENT} applied changes, newest first. */
    public List<AppliedChange> recentChanges() {
        synchronized (recent) {
            List<AppliedChange> list = new ArrayList<>(recent);
            java.util.Collections.reverse(list);
            return list;
        }
    }
}
