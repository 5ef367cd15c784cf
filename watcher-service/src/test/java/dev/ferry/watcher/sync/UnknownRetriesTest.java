package dev.ferry.watcher.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class UnknownRetriesTest {
    private long now;
    private final UnknownRetries retries = new UnknownRetries(() -> now);

    private Duration failAfter(Duration wait) {
        now += wait.toNanos();
        return retries.failed("dir");
    }

    @Test
    void theBackoffDoublesFromOneSecondToThirtyAndStartsOverOnceLookedAtSuccessfully() {
        assertEquals(Duration.ofSeconds(1), retries.failed("dir"));
        assertEquals(Duration.ofSeconds(2), failAfter(Duration.ofSeconds(1)));
        assertEquals(Duration.ofSeconds(4), failAfter(Duration.ofSeconds(2)));
        assertEquals(Duration.ofSeconds(8), failAfter(Duration.ofSeconds(4)));
        assertEquals(Duration.ofSeconds(16), failAfter(Duration.ofSeconds(8)));
        assertEquals(Duration.ofSeconds(30), failAfter(Duration.ofSeconds(16)));
        assertEquals(Duration.ofSeconds(30), failAfter(Duration.ofSeconds(30)));

        retries.forgetIf(path -> path.equals("dir"));
        assertEquals(Duration.ofSeconds(1), failAfter(Duration.ofSeconds(30)));
    }

    @Test
    void aLookAlreadyPendingIsNotScheduledAgainByOtherFlushes() {
        assertEquals(Duration.ofSeconds(1), retries.failed("dir"));
        assertNull(failAfter(Duration.ofMillis(500)), "a full rescan meets it before its look is due");
        assertEquals(Duration.ofSeconds(2), failAfter(Duration.ofMillis(500)));
        assertEquals(Duration.ofSeconds(1), retries.failed("other"));
    }
}
