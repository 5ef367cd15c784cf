package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.watcher.upload.BatchRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The acknowledged batch's log line: counts, failures, the first five items named, and printable paths. */
class BatchLogTest {

    @Test
    void namesEachKindOfChangeAndCountsFailures() {
        Manifest f = Manifest.file("b.txt", 0644, 1, 0, List.of());
        BatchRecord batch = new BatchRecord(1, List.of(new Change.Upsert(f), new Change.Delete("old"),
                new Change.Move("a.txt", f.withPath("c.txt"))), 0);
        assertEquals("synced 3 changes: upsert b.txt, delete old, move a.txt -> c.txt", BatchLog.describe(batch, 0));
        assertEquals("synced 2 changes (1 failed): upsert b.txt, delete old, move a.txt -> c.txt",
                BatchLog.describe(batch, 1));
        assertEquals("synced 1 change: delete x", BatchLog.describe(new BatchRecord(2, List.of(new Change.Delete("x")), 0), 0));
    }

    @Test
    void listsFiveAndCountsTheRest() {
        List<Change> items = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            items.add(new Change.Delete("f" + i));
        }
        assertEquals("synced 8 changes: delete f0, delete f1, delete f2, delete f3, delete f4, and 3 more",
                BatchLog.describe(new BatchRecord(3, items, 0), 0));
    }

    @Test
    void aPathWithAControlCharacterIsPrintedEscaped() {
        String line = BatchLog.describe(new BatchRecord(4, List.of(new Change.Delete("a\nb")), 0), 0);
        assertEquals(-1, line.indexOf('\n'), line);
    }
}
