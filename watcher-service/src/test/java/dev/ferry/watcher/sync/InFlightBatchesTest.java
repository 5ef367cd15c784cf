package dev.ferry.watcher.sync;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightBatchesTest {
    private static final StoreLink LINK = new StoreLink() {
        @Override
        public void send(String frame) {
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close(String reason) {
        }
    };

    @Test
    void aBatchWithoutAckOrUploadProgressIsStalled() throws Exception {
        InFlightBatches inFlight = new InFlightBatches();
        inFlight.reset(LINK);
        assertFalse(inFlight.stalled(LINK, 0, 0), "nothing in flight is never stalled");
        inFlight.add(LINK, new BatchRecord(1, List.of(), System.nanoTime()));
        assertFalse(inFlight.stalled(LINK, 0, 50_000_000L));
        Thread.sleep(80);
        assertTrue(inFlight.stalled(LINK, 0, 50_000_000L), "no ack and no upload for longer than the timeout");
        assertFalse(inFlight.stalled(LINK, 1, 50_000_000L), "an uploaded chunk is progress");
        Thread.sleep(80);
        assertTrue(inFlight.stalled(LINK, 1, 50_000_000L));
        inFlight.add(LINK, new BatchRecord(2, List.of(), System.nanoTime()));
        inFlight.remove(LINK, 1);
        assertFalse(inFlight.stalled(LINK, 1, 50_000_000L), "an ack is progress");
    }

    @Test
    void awaitRoomGivesUpOnAStalledSession() throws Exception {
        InFlightBatches inFlight = new InFlightBatches();
        inFlight.reset(LINK);
        inFlight.add(LINK, new BatchRecord(1, List.of(), System.nanoTime()));
        long start = System.nanoTime();
        assertFalse(inFlight.awaitRoom(LINK, 1, 0, 100_000_000L));
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }
}
