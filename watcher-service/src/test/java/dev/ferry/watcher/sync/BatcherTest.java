package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A batch is due when it is full in items or in bytes, or when its first item has waited long enough. */
class BatcherTest {
    private static final long MS = 1_000_000L;

    @Test
    void dueAtTheItemLimitAndKeepsOrder() {
        Batcher b = new Batcher(3, 1 << 20, 100 * MS);
        assertFalse(b.add(new Change.Delete("a"), 0));
        assertFalse(b.add(new Change.Delete("b"), 1));
        assertTrue(b.add(new Change.Delete("c"), 2), "the third item fills the batch");
        assertEquals(List.of(new Change.Delete("a"), new Change.Delete("b"), new Change.Delete("c")), b.take());
        assertTrue(b.isEmpty(), "take empties the batcher");
    }

    @Test
    void dueAtTheByteLimit() {
        long one = Batcher.estimate(new Change.Delete("x"));
        Batcher b = new Batcher(1000, 2 * one, 100 * MS);
        assertFalse(b.add(new Change.Delete("x"), 0));
        assertTrue(b.add(new Change.Delete("y"), 0), "two deletes reach the estimated frame size");
    }

    @Test
    void dueOnceTheFirstItemHasLingered() {
        Batcher b = new Batcher(1000, 1 << 20, 100 * MS);
        assertFalse(b.add(new Change.Delete("a"), 0));
        assertFalse(b.add(new Change.Delete("b"), 100 * MS), "exactly the linger time is not late yet");
        assertTrue(b.add(new Change.Delete("c"), 101 * MS));
        b.take();
        assertFalse(b.add(new Change.Delete("d"), 500 * MS), "the clock starts again with the next batch's first item");
    }

    @Test
    void clearDropsItemsAndBytes() {
        long one = Batcher.estimate(new Change.Delete("x"));
        Batcher b = new Batcher(1000, 2 * one, 100 * MS);
        b.add(new Change.Delete("x"), 0);
        b.clear();
        assertTrue(b.isEmpty());
        assertFalse(b.add(new Change.Delete("y"), 0), "the bytes of cleared items no longer count");
    }
}
