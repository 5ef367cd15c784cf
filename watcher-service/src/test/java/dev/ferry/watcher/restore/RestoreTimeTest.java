package dev.ferry.watcher.restore;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The forms of --at TIME (the contract's): instants, local date-times in the machine's zone, times ago. */
class RestoreTimeTest {
    private static final Instant NOW = Instant.parse("2026-12-07T16:30:00.500Z");
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris"); // UTC+1 in December

    private static Instant parse(String text) {
        return RestoreTime.parse(text, NOW, PARIS);
    }

    @Test
    void instantsWithAZoneAreTakenAsThey() {
        assertEquals(Instant.parse("2026-12-07T14:00:00.123Z"), parse("2026-12-07T14:00:00.123Z"));
        assertEquals(Instant.parse("2026-12-07T14:00:00Z"), parse("2026-12-07T14:00:00z"));
        assertEquals(Instant.parse("2026-12-07T13:00:00Z"), parse("2026-12-07T14:00:00+01:00"));
        assertEquals(Instant.parse("2026-12-07T13:00:00Z"), parse("2026-12-07 14:00+01:00"));
    }

    @Test
    void localDateTimesAreInTheMachinesZone() {
        assertEquals(Instant.parse("2026-12-07T13:00:00Z"), parse("2026-12-07T14:00"));
        assertEquals(Instant.parse("2026-12-07T13:00:05Z"), parse("2026-12-07 14:00:05"));
        assertEquals(Instant.parse("2026-12-07T13:00:05.250Z"), parse("2026-12-07T14:00:05.25"));
        assertEquals(Instant.parse("2026-12-06T23:00:00Z"), parse("2026-12-07"));
        assertEquals(Instant.parse("2026-12-07T14:00:00Z"), RestoreTime.parse("2026-12-07T14:00", NOW, ZoneId.of("UTC")));
    }

    @Test
    void relativeTimesCountBackFromNow() {
        assertEquals(NOW.minusSeconds(30), parse("30s"));
        assertEquals(NOW.minus(Duration.ofMinutes(10)), parse("10m"));
        assertEquals(NOW.minus(Duration.ofHours(2)), parse("2h"));
        assertEquals(NOW.minus(Duration.ofDays(3)), parse("3d"));
        assertEquals(NOW.minus(Duration.ofDays(14)), parse("2w"));
        assertEquals(NOW.minus(Duration.ofHours(2)), parse(" 2H "));
        assertEquals(NOW, parse("0m"));
    }

    @Test
    void badTimesAreRefusedWithTheAcceptedForms() {
        for (String bad : new String[] {"", "yesterday", "10x", "2026-13-01T00:00", "2026-12-07T25:00", "-5m",
                "14:00", "2026/12/07", "10m ago"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad), bad);
            assertTrue(e.getMessage().contains("10m"), e.getMessage());
        }
    }

    @Test
    void aTimeInTheFutureIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("2026-12-08T00:00Z"));
        assertTrue(e.getMessage().contains("future"), e.getMessage());
    }

    @Test
    void theWireFormIsUtcWithMilliseconds() {
        assertEquals("2026-12-07T14:00:00.000Z", RestoreTime.wire(Instant.parse("2026-12-07T14:00:00Z")));
        assertEquals("2026-12-07T14:00:00.123Z", RestoreTime.wire(Instant.parse("2026-12-07T14:00:00.123456Z")));
    }
}
