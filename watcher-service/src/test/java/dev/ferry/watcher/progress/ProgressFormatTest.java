package dev.ferry.watcher.progress;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ProgressFormatTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void lineWhileHashingShowsTheHashRateAndTimeLeft() {
        Progress p = new Progress(40, 40 * MIB, 12, 12 * MIB, 0, 0, 0, 0, 4 * MIB, 0, 7.0);
        assertEquals("scanning: hashed 12/40 files (12.0 MiB/40.0 MiB), uploaded 0 B/0 B, 4.0 MiB/s, 7s left",
                ProgressFormat.line("scanning", p));
    }

    @Test
    void lineWhileUploadingShowsTheUploadRate() {
        Progress p = new Progress(3, 30 * MIB, 3, 30 * MIB, 200, 20 * MIB, 50, 5 * MIB, 0, MIB / 2, 125.0);
        assertEquals("syncing: hashed 3/3 files (30.0 MiB/30.0 MiB), uploaded 5.0 MiB/20.0 MiB, 512.0 KiB/s, 2m 05s left",
                ProgressFormat.line("syncing", p));
    }

    @Test
    void unknownTimeLeftAndDoneWork() {
        Progress unknown = new Progress(2, 10, 0, 0, 0, 0, 0, 0, 0, 0, null);
        assertEquals("scanning: hashed 0/2 files (0 B/10 B), uploaded 0 B/0 B, 0 B/s, time left unknown",
                ProgressFormat.line("scanning", unknown));
        Progress done = new Progress(2, 10, 2, 10, 1, 10, 1, 10, 0, 0, 0.0);
        assertEquals("idle: hashed 2/2 files (10 B/10 B), uploaded 10 B/10 B, 0 B/s", ProgressFormat.line("idle", done));
    }

    @Test
    void durations() {
        assertEquals("0s", ProgressFormat.duration(0.2));
        assertEquals("59s", ProgressFormat.duration(59));
        assertEquals("1m 00s", ProgressFormat.duration(60));
        assertEquals("1h 01m", ProgressFormat.duration(3661));
        assertEquals("26h 00m", ProgressFormat.duration(26 * 3600));
    }

    @Test
    void etaAddsHashingAndUploadAndIsUnknownWithoutARate() {
        assertEquals(0.0, Progress.eta(0, 0, 0, 0));
        assertEquals(3.0, Progress.eta(100, 50, 100, 100));
        assertNull(Progress.eta(100, 0, 0, 0));
        assertNull(Progress.eta(0, 10, 5, 0));
    }

    @Test
    void oneShortLinePerChangeCappedWithACount() {
        Manifest f = Manifest.file("docs/b.txt", 0644, 1, 0, List.of());
        List<Change> items = List.of(new Change.Upsert(f), new Change.Delete("old.txt"),
                new Change.Move("a.txt", f.withPath("c.txt")), new Change.Upsert(Manifest.file("bad", 0644, 1, 0, List.of())));
        assertEquals(List.of("  + docs/b.txt", "  - old.txt", "  > a.txt -> c.txt", "  ! bad: no space"),
                ProgressFormat.changes(items, List.of(new Message.Failure("bad", "no space"))));

        List<Change> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(new Change.Delete("f" + i));
        }
        List<String> lines = ProgressFormat.changes(many, List.of());
        assertEquals(ProgressFormat.MAX_CHANGE_LINES + 1, lines.size());
        assertEquals("  - f0", lines.get(0));
        assertEquals("  ... and 5 more", lines.get(lines.size() - 1));
    }
}
