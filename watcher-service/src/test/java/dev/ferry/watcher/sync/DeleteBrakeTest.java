package dev.ferry.watcher.sync;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeleteBrakeTest {
    private static final long SECOND = 1_000_000_000L;

    private final DeleteBrake brake = new DeleteBrake(DeleteBrake.Limit.parse("50%"));

    /** {@code n} single-entry deletions named prefix0, prefix1, ... */
    private static Map<String, Integer> files(String prefix, int n) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put(prefix + i, 1);
        }
        return m;
    }

    @Test
    void oneFlushRemovingMostOfABigTreeIsHeld() {
        DeleteBrake.Decision d = brake.decide(0, 1000, Map.of("photos", 700));
        assertEquals(Set.of(), d.allowed());
        assertTrue(d.newHold());
        assertTrue(brake.holding());
        assertEquals(700, brake.heldEntries());
        String message = brake.message();
        assertTrue(message.contains("700 entries") && message.contains("1000 entries"), message);
        assertTrue(message.contains("--release-deletes") && message.contains("ferry.watcher.max-delete"), message);
    }

    @Test
    void deletionsUpToTheLimitGo() {
        DeleteBrake.Decision d = brake.decide(0, 1000, Map.of("a", 300, "b", 200));
        assertEquals(Set.of("a", "b"), d.allowed());
        assertFalse(brake.holding());
        assertNull(brake.message());
    }

    @Test
    void deletionsSpreadOverFlushesWithinTheWindowAreSummed() {
        // An rm -rf that takes several flushes: 200 entries a second out of 1000.
        assertEquals(200, brake.decide(0, 1000, files("a", 200)).allowed().size());
        assertEquals(200, brake.decide(SECOND, 800, files("b", 200)).allowed().size());
        DeleteBrake.Decision third = brake.decide(2 * SECOND, 600, files("c", 200));
        assertEquals(Set.of(), third.allowed(), "600 of the 1000 entries within a minute is more than 50%");
        assertTrue(third.newHold());
        // While held, every further deletion is held too, and the hold is announced only once.
        DeleteBrake.Decision fourth = brake.decide(3 * SECOND, 600, files("d", 1));
        assertEquals(Set.of(), fourth.allowed());
        assertFalse(fourth.newHold());
        assertEquals(201, brake.heldEntries());
    }

    @Test
    void deletionsOutsideTheWindowAreNotSummed() {
        assertEquals(400, brake.decide(0, 1000, files("a", 400)).allowed().size());
        long later = DeleteBrake.WINDOW_NANOS + SECOND;
        assertEquals(300, brake.decide(later, 600, files("b", 300)).allowed().size());
        assertFalse(brake.holding());
    }

    @Test
    void heldDeletionsSeenAgainStayHeldWithoutANewWarning() {
        brake.decide(0, 1000, Map.of("photos", 700));
        DeleteBrake.Decision again = brake.decide(5 * SECOND, 1000, Map.of("photos", 700));
        assertEquals(Set.of(), again.allowed());
        assertFalse(again.newHold());
        assertEquals(700, brake.heldEntries());
    }

    @Test
    void releaseLetsTheHeldDeletionsGoOnceAndStartsTheWindowOver() {
        brake.decide(0, 1000, Map.of("photos", 700));
        assertEquals(700, brake.release());
        assertFalse(brake.holding());
        assertEquals(0, brake.heldEntries());
        DeleteBrake.Decision d = brake.decide(SECOND, 1000, Map.of("photos", 700));
        assertEquals(Set.of("photos"), d.allowed());
        // The released deletions do not count against the next ones.
        assertEquals(Set.of("music"), brake.decide(2 * SECOND, 300, Map.of("music", 100)).allowed());
        assertEquals(0, brake.release(), "nothing held: nothing to release");
    }

    @Test
    void heldDeletionsTheSourceUndoesAreDropped() {
        brake.decide(0, 1000, Map.of("photos", 600, "music", 100));
        brake.forget("photos"::equals);
        assertEquals(100, brake.heldEntries());
        brake.forget("music"::equals);
        assertFalse(brake.holding());
        // With nothing held any more, small deletions go again.
        assertEquals(Set.of("x"), brake.decide(SECOND, 1000, Map.of("x", 1)).allowed());
    }

    @Test
    void smallTreesAreNotBraked() {
        assertEquals(Set.of("all"), brake.decide(0, DeleteBrake.MIN_TREE - 1, Map.of("all", 98)).allowed());
    }

    @Test
    void anAbsoluteLimitCountsEntries() {
        DeleteBrake counted = new DeleteBrake(DeleteBrake.Limit.parse("150"));
        assertEquals(Set.of("a"), counted.decide(0, 100_000, Map.of("a", 150)).allowed());
        assertEquals(Set.of(), counted.decide(SECOND, 100_000, Map.of("b", 1)).allowed());
    }

    @Test
    void offNeverHolds() {
        DeleteBrake off = new DeleteBrake(DeleteBrake.Limit.parse("off"));
        assertEquals(Set.of("all"), off.decide(0, 1_000_000, Map.of("all", 999_999)).allowed());
        assertFalse(off.holding());
    }

    @Test
    void limitsParseOrFailWithTheSettingsName() {
        assertEquals("50%", DeleteBrake.Limit.parse("50%").toString());
        assertEquals("5000", DeleteBrake.Limit.parse(" 5000 ").toString());
        assertEquals("off", DeleteBrake.Limit.parse("OFF").toString());
        for (String bad : new String[] {"", "half", "0%", "150%", "-3", "12x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeleteBrake.Limit.parse(bad));
            assertTrue(e.getMessage().contains("ferry.watcher.max-delete"), e.getMessage());
        }
    }
}
