package dev.ferry.store.folder;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shutdown of a store of folders while a folder job runs (what logged "Audit of DEST/b failed:
 * RejectedExecutionException"): the stacks close only after the job under way ends, the job goes to no further
 * folder once the stop began, and no job runs after it.
 */
class FolderJobGateTest {
    @Test
    void theStopWaitsForAJobUnderWayAndNoJobReachesAClosedFolder() throws Exception {
        FolderJobGate gate = new FolderJobGate();
        AtomicBoolean closed = new AtomicBoolean();
        List<String> ranOn = new CopyOnWriteArrayList<>();
        List<String> ranOnClosed = new CopyOnWriteArrayList<>();
        CountDownLatch inFolderA = new CountDownLatch(1);
        CountDownLatch releaseA = new CountDownLatch(1);
        Thread job = new Thread(() -> gate.each(List.of("a", "b"), f -> {
            ranOn.add(f);
            if (closed.get()) {
                ranOnClosed.add(f);
            }
            if (f.equals("a")) {
                inFolderA.countDown();
                try {
                    releaseA.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (closed.get()) {
                    ranOnClosed.add(f + " (still running when closed)");
                }
            }
        }), "audit");
        job.start();
        assertTrue(inFolderA.await(30, TimeUnit.SECONDS));
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            gate.stop(() -> closed.set(true));
            stopped.countDown();
        }, "shutdown");
        stop.start();
        assertFalse(stopped.await(300, TimeUnit.MILLISECONDS), "the stop waits for the job under way");
        assertFalse(closed.get());
        releaseA.countDown();
        assertTrue(stopped.await(30, TimeUnit.SECONDS));
        job.join(30_000);
        assertTrue(closed.get());
        assertEquals(List.of("a"), ranOn, "the job goes to no further folder once the stop began");
        assertEquals(List.of(), ranOnClosed);
        gate.each(List.of("a", "b"), ranOn::add);
        assertEquals(List.of("a"), ranOn, "no job after the stop");
    }
}
