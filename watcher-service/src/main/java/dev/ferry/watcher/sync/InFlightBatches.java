package dev.ferry.watcher.sync;

import dev.ferry.watcher.store.StoreLink;
import dev.ferry.watcher.upload.BatchRecord;
import java.util.HashMap;
import java.util.Map;

/** The batches of the current session that await their {@code ack}; bounded, with waiting for room. Thread-safe. */
final class InFlightBatches {
    private final Map<Long, BatchRecord> batches = new HashMap<>();
    private StoreLink link;
    /** When an ack or an uploaded chunk last showed that the store is making progress. */
    private long progressAt = System.nanoTime();
    private long uploadsSeen;

    /** Starts over for {@code newLink} (null when disconnected): every batch of the old session is forgotten. */
    synchronized void reset(StoreLink newLink) {
        batches.clear();
        link = newLink;
        progressAt = System.nanoTime();
        notifyAll();
    }

    /** Forgets the session of {@code closedLink} if it is still the current one; false for an older link's close. */
    synchronized boolean release(StoreLink closedLink) {
        if (link != closedLink) {
            return false;
        }
        reset(null);
        return true;
    }

    /**
     * Waits until fewer than {@code max} batches are in flight; false when {@code forLink} is no longer current or
     * the session {@link #stalled stalled} meanwhile (then the caller drops the link, and the reconcile of the next
     * session brings back whatever was lost).
     */
    synchronized boolean awaitRoom(StoreLink forLink, int max, long uploads, long stallNanos) throws InterruptedException {
        while (link == forLink && batches.size() >= max) {
            if (stalled(forLink, uploads, stallNanos)) {
                return false;
            }
            wait(1000);
        }
        return link == forLink && forLink != null;
    }

    /**
     * True when batches of {@code forLink} await their ack and for {@code stallNanos} no ack came and the upload
     * count stayed at {@code uploads}: a batch waits for chunks that will never come (a refused upload, a file
     * changed behind an unchanged stat), and only a new session's reconcile can sort it out.
     */
    synchronized boolean stalled(StoreLink forLink, long uploads, long stallNanos) {
        long now = System.nanoTime();
        if (link != forLink || batches.isEmpty() || uploads != uploadsSeen) {
            uploadsSeen = uploads;
            progressAt = now;
            return false;
        }
        return now - progressAt > stallNanos;
    }

    synchronized void add(StoreLink forLink, BatchRecord batch) {
        if (link == forLink) {
            batches.put(batch.number(), batch);
        }
    }

    synchronized BatchRecord get(StoreLink forLink, long number) {
        return link == forLink ? batches.get(number) : null;
    }

    synchronized BatchRecord remove(StoreLink forLink, long number) {
        if (link != forLink) {
            return null;
        }
        BatchRecord removed = batches.remove(number);
        progressAt = System.nanoTime();
        notifyAll();
        return removed;
    }

    synchronized int size() {
        return batches.size();
    }
}
