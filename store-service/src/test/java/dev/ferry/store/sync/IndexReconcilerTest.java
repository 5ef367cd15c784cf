package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link IndexReconciler}: the watcher's index decides what leaves DEST and what the store asks for. */
class IndexReconcilerTest extends SyncRoleTest {

    @BeforeEach
    void open() throws Exception {
        store.applied(Manifest.directory("keep", 0755, 1L));
        store.applied(Manifest.directory("stale", 0755, 1L));
        store.applied(Manifest.directory("gone", 0755, 1L));
    }

    @Test
    void theLastIndexFrameRemovesWhatTheWatcherLacksAndAsksForWhatDiffers() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        String keep = store.index.digestOf("keep");

        store.onApply(() -> store.reconciler.indexBatch(s, new Message.IndexBatch(List.of(
                new Message.IndexEntry("keep", keep), new Message.IndexEntry("stale", "other-digest")), false)));
        assertNull(channel.poll(), "nothing is answered before the last frame");
        assertTrue(s.reconciling, "changes wait for the last frame");
        assertTrue(Files.isDirectory(dest.resolve("gone")), "nothing is removed before the last frame");

        store.onApply(() -> store.reconciler.indexBatch(s, new Message.IndexBatch(List.of(
                new Message.IndexEntry("new", "new-digest")), true)));

        Message.Need need = channel.next(Message.Need.class);
        assertEquals(List.of("new", "stale"), need.paths());
        assertTrue(need.last());
        assertTrue(Files.notExists(dest.resolve("gone")), "an entry the watcher lacks leaves DEST");
        assertNull(store.index.get("gone"));
        assertTrue(Files.isDirectory(dest.resolve("keep")));
        assertTrue(Files.isDirectory(dest.resolve("stale")), "a differing entry stays until its new version comes");
        assertTrue(!s.reconciling);
    }

    @Test
    void anIndexFrameOverTheLimitDropsTheReconcileAndRemovesNothing() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        List<Message.IndexEntry> entries = new ArrayList<>();
        for (int i = 0; i <= SyncRolesFixture.MAX_BATCH_ITEMS; i++) {
            entries.add(new Message.IndexEntry("f" + i, "d" + i));
        }

        store.onApply(() -> store.reconciler.indexBatch(s, new Message.IndexBatch(entries, true)));

        assertEquals(ErrorCode.TOO_LARGE.wire(), channel.next(Message.Error.class).code());
        assertTrue(channel.isOpen(), "the session stays; the watcher starts the reconcile again");
        assertNotNull(store.index.get("gone"));
        assertTrue(Files.isDirectory(dest.resolve("gone")));
        assertNull(channel.poll(), "no need is sent");
    }

    @Test
    void aLargeIndexWaitsInOneFileOnDiskAndWhatIsNeededStreamsInPathOrder() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        String keep = store.index.digestOf("keep");
        int frames = 1000; // 100,000 entries
        for (int f = 0; f < frames; f++) {
            List<Message.IndexEntry> entries = new ArrayList<>();
            if (f == 0) {
                entries.add(new Message.IndexEntry("keep", keep));
            }
            for (int i = 0; i < SyncRolesFixture.MAX_BATCH_ITEMS - (f == 0 ? 1 : 0); i++) {
                entries.add(new Message.IndexEntry(String.format("new/%04d/%03d", f, i), "d"));
            }
            boolean last = f == frames - 1;
            store.onApply(() -> store.reconciler.indexBatch(s, new Message.IndexBatch(entries, last)));
            if (f == 0) {
                assertEquals(1, spillFiles(), "the index waits in one file under tmp/");
            }
        }

        int asked = 0;
        Message.Need need;
        String previous = "";
        do {
            need = channel.next(Message.Need.class);
            for (String p : need.paths()) {
                assertTrue(p.compareTo(previous) > 0, "asked in path order");
                previous = p;
                asked++;
            }
        } while (!need.last());
        assertEquals(frames * SyncRolesFixture.MAX_BATCH_ITEMS - 1, asked, "every new entry is asked for");
        assertTrue(Files.notExists(dest.resolve("gone")), "what the watcher lacks leaves DEST");
        assertTrue(Files.isDirectory(dest.resolve("keep")));
        assertEquals(0, spillFiles(), "the spill goes with the reconcile");
        assertTrue(channel.isOpen());
    }

    private long spillFiles() throws Exception {
        try (var files = Files.list(store.layout.tmpDir())) {
            return files.filter(p -> p.getFileName().toString().startsWith("reconcile-")).count();
        }
    }
}
