package dev.ferry.watcher.progress;

import dev.ferry.watcher.sync.SyncStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProgressMeterTest {
    private static final long S = 1_000_000_000L;

    /** Counters set by the test. */
    static final class Counters implements SyncStatus.Work {
        long filesHashed;
        long bytesHashed;
        long filesQueued;
        long bytesQueued;
        long chunksQueued;
        long uploadQueued;

        public long filesHashed() {
            return filesHashed;
        }

        public long bytesHashed() {
            return bytesHashed;
        }

        public long filesQueuedForHashing() {
            return filesQueued;
        }

        public long bytesQueuedForHashing() {
            return bytesQueued;
        }

        public long chunksQueuedForUpload() {
            return chunksQueued;
        }

        public long bytesQueuedForUpload() {
            return uploadQueued;
        }
    }

    @Test
    void ratesFollowTheWindowAndGiveTheTimeLeft() {
        SyncStatus status = new SyncStatus("/src", "http://store");
        Counters c = new Counters();
        status.bindWork(c);
        ProgressMeter meter = new ProgressMeter(status, Duration.ofSeconds(10));

        c.filesQueued = 10;
        c.bytesQueued = 1000;
        Progress p = meter.sample(0);
        assertEquals(10, p.filesToHash());
        assertEquals(1000, p.bytesToHash());
        assertNull(p.etaSeconds(), "no rate yet");

        c.filesHashed = 4;
        c.bytesHashed = 400;
        c.filesQueued = 6;
        c.bytesQueued = 600;
        p = meter.sample(2 * S);
        assertEquals(200.0, p.hashRate());
        assertEquals(10, p.filesToHash());
        assertEquals(4, p.filesHashed());
        assertEquals(3.0, p.etaSeconds());

        c.filesHashed = 10;
        c.bytesHashed = 1000;
        c.filesQueued = 0;
        c.bytesQueued = 0;
        c.chunksQueued = 5;
        c.uploadQueued = 500;
        status.uploaded(5, 500);
        p = meter.sample(12 * S);
        assertEquals(10, p.chunksToUpload());
        assertEquals(1000, p.bytesToUpload());
        assertEquals(50.0, p.uploadRate(), "500 bytes over the 10 s since the sample at 2 s");
        assertEquals(10.0, p.etaSeconds());

        p = meter.sample(30 * S);
        assertEquals(0.0, p.hashRate(), "old samples leave the window");
        assertEquals(0.0, p.uploadRate());
        assertNull(p.etaSeconds(), "queued work without a rate");
    }
}
