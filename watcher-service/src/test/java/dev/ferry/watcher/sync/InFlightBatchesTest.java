package dev.ferry.watcher.sync;

import dev.ferry.watcher.store.StoreLink;
import dev.ferry.watcher.upload.BatchRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InFlightBatchesTest {
    /** Long enough that the calls between a progress and the check after it never take as long. */
    private static final long STALL_NANOS = 1_000_000_000L;
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

    /**
     * Each "stalled" is waited for (with a deadline) under a short timeout; each "not stalled" is asked under a
     * timeout the same session was just seen stalled under, so only the progress in between can make it false.
     */
    @Test
    void aBatchWithoutAckOrUploadProgressIsStalled() throws Exception {
        InFlightBatches inFlight = new InFlightBatches();
        inFlight.reset(LINK);
        assertFalse(inFlight.stalled(LINK, 0, 0), "nothing in flight is never stalled");
        inFlight.add(LINK, new BatchRecord(1, List.of(), System.nanoTime()));
        awaitStalled(inFlight, 0, "no ack and no upload for longer than the timeout");
        assertFalse(inFlight.stalled(LINK, 1, STALL_NANOS), "an uploaded chunk is progress");
        awaitStalled(inFlight, 1, "no progress since that upload");
        inFlight.add(LINK, new BatchRecord(2, List.of(), System.nanoTime()));
        inFlight.remove(LINK, 1);
        assertFalse(inFlight.stalled(LINK, 1, STALL_NANOS), "an ack is progress");
    }

    /** A stalled session ends the wait for room (it would otherwise wait forever). */
    @Test
    void awaitRoomGivesUpOnAStalledSession() {
        InFlightBatches inFlight = new InFlightBatches();
        inFlight.reset(LINK);
        inFlight.add(LINK, new BatchRecord(1, List.of(), System.nanoTime()));
        boolean room = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> inFlight.awaitRoom(LINK, 1, 0, 100_000_000L));
        assertFalse(room);
    }

    private static void awaitStalled(InFlightBatches inFlight, long uploads, String why) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!inFlight.stalled(LINK, uploads, STALL_NANOS) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(inFlight.stalled(LINK, uploads, STALL_NANOS), why);
    }
}
