package dev.ferry.watcher.sync;

import java.util.HashMap;
import java.util.Map;

/** The batches of the current session that await their {@code ack}; bounded, with waiting for room. Thread-safe. */
final class InFlightBatches {
    private final Map<Long, BatchRecord> batches = new HashMap<>();
    private StoreLink link;

    /** Starts over for {@code newLink} (null when disconnected): every batch of the old session is forgotten. */
    synchronized void reset(StoreLink newLink) {
        batches.clear();
        link = newLink;
        notifyAll();
    }

    /** Waits until fewer than {@code max} batches are in flight; false when {@code forLink} is no longer current. */
    synchronized boolean awaitRoom(StoreLink forLink, int max) throws InterruptedException {
        while (link == forLink && batches.size() >= max) {
            wait(1000);
        }
        return link == forLink && forLink != null;
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
        notifyAll();
        return removed;
    }

    synchronized int size() {
        return batches.size();
    }
}
