package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The delete brake inside a real flush: held deletions are neither emitted nor forgotten by the cache. */
class ChangeDetectorDeleteBrakeTest {
    @TempDir
    Path root;
    @TempDir
    Path stateDir;

    private LocalStateCache cache;
    private ChangeDetector detector;
    private DeleteBrake brake;
    private final List<Change> emitted = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        SourceScanner scanner = new SourceScanner(root);
        cache = new LocalStateCache(stateDir, root.toString(), ChunkerParams.DEFAULT);
        brake = new DeleteBrake(DeleteBrake.Limit.parse("50%"));
        detector = new ChangeDetector(scanner, new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner), cache,
                emitted::add, false, null, 1, brake);
        for (int d = 0; d < 4; d++) {
            Files.createDirectories(root.resolve("d" + d));
            for (int f = 0; f < 50; f++) {
                Files.writeString(root.resolve("d" + d + "/f" + f), "file " + d + "/" + f);
            }
        }
        flush();
        assertEquals(204, cache.size());
    }

    private List<Change> flush() {
        emitted.clear();
        detector.flush(DirtySet.everything());
        return List.copyOf(emitted);
    }

    private static long deletes(List<Change> changes) {
        return changes.stream().filter(c -> c instanceof Change.Delete).count();
    }

    private void removeTree(String name) throws IOException {
        Path dir = root.resolve(name);
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    @Test
    void anRmRfOverSeveralFlushesIsHeldOnceItPassesTheLimitAndGoesWhenReleased() throws IOException {
        removeTree("d0");
        assertEquals(1, deletes(flush()), "51 of 204 entries: below the limit, sent");
        removeTree("d1");
        assertEquals(1, deletes(flush()), "102 of 204 entries: at the limit, sent");
        removeTree("d2");
        Files.writeString(root.resolve("d3/new"), "an upsert during the hold");
        List<Change> third = flush();
        assertEquals(0, deletes(third), "153 of 204 entries within a minute: held");
        assertTrue(third.stream().anyMatch(c -> c instanceof Change.Upsert && c.path().equals("d3/new")),
                "upserts go on while deletions are held: " + third);
        assertTrue(brake.holding());
        assertEquals(51, brake.heldEntries());
        assertTrue(cache.contains("d2/f7"), "a held deletion stays in the cache, so a reconcile keeps it in the mirror");
        assertEquals(0, deletes(flush()), "a rescan holds it again");

        brake.release();
        List<Change> released = flush();
        assertEquals(List.of(new Change.Delete("d2")), released);
        assertFalse(cache.contains("d2"));
        assertFalse(brake.holding());
    }

    @Test
    void heldDeletionsThatTheSourceUndoesAreDropped() throws IOException {
        Path away = Files.createTempDirectory("ferry-away");
        Files.move(root.resolve("d0"), away.resolve("d0"));
        Files.move(root.resolve("d1"), away.resolve("d1"));
        Files.move(root.resolve("d2"), away.resolve("d2"));
        assertEquals(0, deletes(flush()));
        assertTrue(brake.holding());
        Files.move(away.resolve("d0"), root.resolve("d0"));
        Files.move(away.resolve("d1"), root.resolve("d1"));
        Files.move(away.resolve("d2"), root.resolve("d2"));
        List<Change> back = flush();
        assertEquals(0, deletes(back));
        assertFalse(brake.holding(), "the deletions were undone: nothing is held any more");
        assertEquals(204, cache.size());
        // Nothing is left to release: a later small deletion goes at once.
        Files.delete(root.resolve("d3/f0"));
        List<Change> later = flush();
        assertEquals(1, deletes(later));
        assertTrue(later.contains(new Change.Delete("d3/f0")), later.toString());
    }
}
