package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The index goes out whole, in frames, the last one marked; need frames come back as upserts of what is cached. */
class ReconcilerTest {
    @TempDir
    Path stateDir;

    private LocalStateCache cache(int entries) {
        LocalStateCache cache = new LocalStateCache(stateDir, "/src", ChunkerParams.DEFAULT);
        for (int i = 0; i < entries; i++) {
            String p = String.format("d%03d", i);
            cache.put(p, CachedEntry.of(Manifest.directory(p, 0755, i), i, false));
        }
        return cache;
    }

    @Test
    void theIndexGoesInFramesOfTheBatchSizeWithTheLastMarked() {
        LocalStateCache cache = cache(7);
        List<Message.IndexBatch> frames = new ArrayList<>();
        assertTrue(new Reconciler(cache, 3).sendIndex(m -> frames.add((Message.IndexBatch) m)));
        assertEquals(List.of(3, 3, 1), frames.stream().map(f -> f.entries().size()).toList());
        assertEquals(List.of(false, false, true), frames.stream().map(Message.IndexBatch::last).toList());
        assertEquals("d000", frames.get(0).entries().get(0).path());
        assertEquals(cache.get("d006").digest(), frames.get(2).entries().get(0).digest());
    }

    @Test
    void anEmptyCacheStillSendsTheLastFrameAndAFailedSendStops() {
        List<Message> frames = new ArrayList<>();
        assertTrue(new Reconciler(cache(0), 3).sendIndex(frames::add));
        assertEquals(List.of(new Message.IndexBatch(List.of(), true)), frames);

        List<Message> sent = new ArrayList<>();
        assertFalse(new Reconciler(cache(7), 3).sendIndex(m -> sent.add(m) && false));
        assertEquals(1, sent.size(), "nothing more is sent once the link failed");
    }

    @Test
    void neededPathsComeBackSortedAndWhatTheCacheLostIsSkipped() {
        LocalStateCache cache = cache(3);
        List<Change> upserts = new Reconciler(cache, 3).upserts(new Message.Need(List.of("d002", "gone", "d000"), true));
        assertEquals(List.of("d000", "d002"), upserts.stream().map(Change::path).toList());
        assertEquals(cache.get("d002").digest(), ((Change.Upsert) upserts.get(1)).entry().digest());
    }

    @Test
    void theWaitBetweenReconcilesDoublesUpToItsCap() {
        assertEquals(List.of(1000L, 2000L, 4000L, 8000L, 8000L),
                List.of(1, 2, 3, 4, 9).stream().map(a -> Reconciler.delay(a, 8000)).toList());
        assertEquals(200L, Reconciler.delay(5, 0), "a cap below 200 ms is taken as 200 ms");
    }
}
