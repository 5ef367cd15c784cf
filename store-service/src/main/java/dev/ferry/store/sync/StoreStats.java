package dev.ferry.store.sync;

import jakarta.inject.Singleton;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** Counters for the status endpoint. Thread-safe. */
@Singleton
public class StoreStats {
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong bytesDeduplicated = new AtomicLong();
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
    private volatile Instant lastApplied;

    /** One uploaded chunk of {@code bytes} bytes; {@code duplicate} when the store already had it. */
    public void chunkReceived(int bytes, boolean duplicate) {
        bytesReceived.addAndGet(bytes);
        chunksReceived.incrementAndGet();
        if (duplicate) {
            bytesDeduplicated.addAndGet(bytes);
            chunksDeduplicated.incrementAndGet();
        }
    }

    public void applied() {
        entriesApplied.incrementAndGet();
        lastApplied = Instant.now();
    }

    public void repaired(int count) {
        auditRepairs.addAndGet(count);
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

    /** When an entry was last applied to DEST, or null. */
    public Instant lastApplied() {
        return lastApplied;
    }
}
