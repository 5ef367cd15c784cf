package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.VersionHistory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Version history through the sync roles: a deleted file sent again costs no upload (its chunks are in its kept
 * version), and retention (thinning, maximum age, budget) removes records, regions and files together.
 */
class VersionHistorySyncTest extends SyncRoleTest {
    static final long DAY = 24 * 3600_000L;
    CapturingChannel channel;
    SyncSession session;
    VersionHistory versions;
    final AtomicLong clock = new AtomicLong(100 * DAY);

    @BeforeEach
    void open() throws Exception {
        channel = new CapturingChannel("c1");
        session = store.greeted(channel, "src");
        versions = store.index.versions();
        versions.enable(true);
        versions.clockForTests(clock::get);
    }

    private VersionPruner pruner(Duration maxAge, String budget) {
        return new VersionPruner(store.layout.versionsDir(), store.index, store.chunks, store.apply, null, true, maxAge, budget);
    }

    @Test
    void aDeletedFileSentAgainCostsNoUpload() throws Exception {
        TestData.FileData data = TestData.file(50_000, 16_000);
        store.store(data);
        Manifest m = data.manifest("docs/a.bin", 0644, 1_000_000_000L);
        store.send(session, 1, new Change.Upsert(m));
        channel.next(Message.Missing.class);
        channel.next(Message.Ack.class);
        store.send(session, 2, new Change.Delete("docs/a.bin"));
        channel.next(Message.Missing.class);
        channel.next(Message.Ack.class);
        assertTrue(Files.notExists(dest.resolve("docs/a.bin")));

        store.send(session, 3, new Change.Upsert(m)); // the watcher restores it into SOURCE, and it syncs back

        assertEquals(List.<ChunkHash>of(), channel.next(Message.Missing.class).chunks(), "nothing to upload");
        assertEquals(List.of(), channel.next(Message.Ack.class).failed());
        assertArrayEquals(data.bytes(), Files.readAllBytes(dest.resolve("docs/a.bin")));
    }

    /** Version {@code n} of x.bin (10,000 bytes), applied at {@code atMillis}. */
    private Manifest version(int n, long atMillis) throws Exception {
        clock.set(atMillis);
        TestData.FileData data = TestData.file(10_000, 16_000);
        store.store(data);
        Manifest m = data.manifest("x.bin", 0644, n * 1_000_000_000L);
        store.onApply(() -> {
            store.materializer.apply(m);
            store.index.put(m);
            store.materializer.recorded(m); // its pack copies are released: the mirror (then a version) holds them
            store.commits.durable();
            return null;
        });
        return m;
    }

    @Test
    void theBudgetRemovesTheOldestVersionsWithTheirFilesAndChunks() throws Exception {
        long t = clock.get();
        Manifest v1 = version(1, t);
        version(2, t + 2 * DAY);
        version(3, t + 4 * DAY);
        version(4, t + 6 * DAY);
        assertEquals(3, versions.count());
        assertEquals(30_000, versions.bytes());
        List<VersionHistory.Version> before = versions.of("x.bin");
        clock.set(t + 6 * DAY + 1000);

        VersionPruner.Report r = pruner(Duration.ofDays(365), "15000").prune();

        assertEquals(2, r.overBudget());
        assertEquals(List.of(before.get(2)), versions.of("x.bin"), "the newest stays");
        assertEquals(10_000, versions.bytes());
        for (int i = 0; i < 2; i++) {
            assertTrue(Files.notExists(versionFile(before.get(i))), "its file is deleted");
        }
        assertTrue(Files.exists(versionFile(before.get(2))));
        assertFalse(store.chunks.has(v1.chunks().get(0).hash()), "a removed version's chunks are no longer held");
    }

    @Test
    void thinningKeepsOnePerStepAndMaxAgeRemovesTheOld() throws Exception {
        long t = clock.get();
        for (int i = 1; i <= 6; i++) {
            version(i, t + i * 10_000L); // five versions replaced 10 s apart
        }
        clock.set(t + 60_000L + 5_000L);
        VersionPruner.Report r = pruner(Duration.ofDays(365), "1G").prune();
        assertEquals(3, r.thinned(), "ages 5, 15, 25, 35, 45 s: 5 and 35 stay");
        assertEquals(2, versions.count());

        clock.set(t + 3 * DAY);
        r = pruner(Duration.ofDays(2), "1G").prune();
        assertEquals(2, r.expired());
        assertEquals(0, versions.count());
        assertEquals(5, versions.pruned());
        try (var left = Files.list(store.layout.versionsDir())) {
            assertEquals(0, left.count(), "no version file is left");
        }
    }

    @Test
    void offRemovesWhatWasKeptAndKeepsNothingMore() throws Exception {
        long t = clock.get();
        version(1, t);
        version(2, t + DAY);
        assertEquals(1, versions.count());
        new VersionPruner(store.layout.versionsDir(), store.index, store.chunks, store.apply, null, false, Duration.ofDays(365), "10%")
                .open();
        assertEquals(0, versions.count());
        version(3, t + 2 * DAY);
        assertEquals(0, versions.count());
    }

    private Path versionFile(VersionHistory.Version v) {
        return store.layout.versionsDir().resolve(String.format("%016x", v.number()));
    }
}
