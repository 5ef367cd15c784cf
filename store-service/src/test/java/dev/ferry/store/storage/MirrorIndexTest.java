package dev.ferry.store.storage;

import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.Wire;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorIndexTest {
    @TempDir
    Path dir;

    private MirrorIndex open() throws Exception {
        return MirrorIndex.open(dir.resolve(StateDatabase.FILE), dir.resolve("index.log"));
    }

    @Test
    void anIndexReopensAsItsLastCommitLeftIt() throws Exception {
        Manifest file = TestData.file(1000, 400).manifest("a/f", 0644, 1_700_000_000_123_456_789L);
        String root;
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.put(file);
            index.put(Manifest.symlink("a/l", 5L, "f"));
            index.put(Manifest.directory("gone", 0755, 1L));
            index.put(Manifest.directory("gone/sub", 0755, 1L));
            index.remove("gone");
            index.flush();
            root = index.rootDigest();
        }
        try (MirrorIndex index = open()) {
            assertEquals(3, index.size());
            assertEquals(1000, index.fileBytes());
            assertEquals(file, index.get("a/f"));
            assertEquals("f", index.get("a/l").target());
            assertNull(index.get("gone/sub"));
            assertEquals(root, index.rootDigest());
        }
    }

    /** Brief item 4: a store with today's journal imports it once (torn last line ignored) and deletes it. */
    @Test
    void anOlderStoresJournalIsImportedOnceThenDeleted() throws Exception {
        Manifest file = TestData.file(1000, 400).manifest("a/f", 0644, 7L);
        Manifest bad = TestData.file(300, 100).manifest("a/bad", 0600, 8L);
        List<MirrorIndex.JournalLine> lines = List.of(
                new MirrorIndex.JournalLine(Manifest.directory("a", 0755, 1L), null),
                new MirrorIndex.JournalLine(file, null),
                new MirrorIndex.JournalLine(bad, null),
                new MirrorIndex.JournalLine(Manifest.directory("gone", 0755, 1L), null),
                new MirrorIndex.JournalLine(Manifest.directory("gone/sub", 0755, 1L), null),
                new MirrorIndex.JournalLine(null, "gone"),
                new MirrorIndex.JournalLine(null, null, "a/bad"));
        StringBuilder journal = new StringBuilder();
        for (MirrorIndex.JournalLine l : lines) {
            journal.append(Wire.mapper().writeValueAsString(l)).append('\n');
        }
        journal.append("{\"put\":{\"path\":\"torn\",\"ty");
        Files.writeString(dir.resolve("index.log"), journal, StandardCharsets.UTF_8);

        try (MirrorIndex index = open()) {
            assertFalse(Files.exists(dir.resolve("index.log")), "the journal is deleted once imported");
            assertEquals(3, index.size());
            assertEquals(file, index.get("a/f"));
            assertTrue(index.damaged("a/bad"));
            assertNull(index.get("gone"));
            assertNull(index.get("torn"));
            assertEquals(1300, index.fileBytes());
            assertEquals(List.of(new MirrorRegions.Region("a/f", 400, 400)),
                    index.regionsOf(file.chunks().get(1).hash(), 10));
            assertEquals(List.of(), index.regionsOf(bad.chunks().get(0).hash(), 10), "a damaged file has no regions");
        }
        // A crash after the import's commit but before the delete: the journal is only deleted, never replayed over
        // what the database holds (here a journal that would drop everything).
        Files.writeString(dir.resolve("index.log"), "{\"del\":\"a\"}\n", StandardCharsets.UTF_8);
        try (MirrorIndex index = open()) {
            assertFalse(Files.exists(dir.resolve("index.log")));
            assertEquals(3, index.size());
        }
    }

    @Test
    void rootDigestIsTheProtocolsAndTracksChanges() throws Exception {
        try (MirrorIndex index = open()) {
            assertEquals(RootDigest.EMPTY, index.rootDigest());
            Manifest d = Manifest.directory("d", 0755, 10L);
            Manifest f = TestData.file(100, 100).manifest("d/x", 0600, 20L);
            Manifest g = TestData.file(10, 100).manifest("d-2", 0600, 20L);
            index.put(d);
            index.put(f);
            index.put(g);
            Map<String, String> expected = new HashMap<>();
            expected.put("d", d.digest());
            expected.put("d/x", f.digest());
            expected.put("d-2", g.digest());
            assertEquals(RootDigest.of(expected), index.rootDigest());
            assertTrue(index.hasBelow("d"));
            assertFalse(index.hasBelow("d-2"));
            index.markDamaged("d/x");
            expected.put("d/x", MirrorIndex.DAMAGED);
            assertEquals(RootDigest.of(expected), index.rootDigest());
            List<String> descending = new ArrayList<>();
            index.digestsDescending().forEach(e -> descending.add(e.getKey()));
            assertEquals(List.of("d/x", "d-2", "d"), descending, "what lies below a folder comes before it");
        }
    }

    @Test
    void rebaseMovesASubtreeAndAFileReplacesWhatWasBelowIt() throws Exception {
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.put(Manifest.directory("a/b", 0755, 1L));
            index.put(Manifest.symlink("a/b/c", 1L, "x"));
            index.put(Manifest.directory("a-sibling", 0755, 1L));
            index.rebase("a", "z");
            assertNull(index.get("a"));
            assertNotNull(index.get("z/b/c"));
            assertNotNull(index.get("a-sibling"), "a sibling sorting between a and a/ stays");
            index.put(Manifest.file("z", 0644, 1L, 0, List.of()));
            assertEquals(2, index.size());
            index.put(Manifest.directory("z/q", 0755, 1L));
            assertNull(index.get("z"), "a file cannot be the parent of an entry");
        }
    }

    /** Brief item 3: regions follow put, overwrite, rebase, markDamaged and remove, in the same commits. */
    @Test
    void regionsFollowEveryChangeOfTheirFiles() throws Exception {
        TestData.FileData data = TestData.file(1000, 400);
        ChunkRef second = data.chunks().get(1);
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("d", 0755, 1L));
            index.put(data.manifest("d/one", 0644, 1L));
            index.put(data.manifest("two", 0644, 1L));
            assertEquals(List.of(new MirrorRegions.Region("d/one", 400, 400), new MirrorRegions.Region("two", 400, 400)),
                    index.regionsOf(second.hash(), 10));
            assertEquals(1, index.regionsOf(second.hash(), 1).size(), "at most max regions");
            assertEquals(List.of(), index.regionsOf(TestData.hash(TestData.random(10)), 10));

            index.rebase("d", "e");
            assertEquals(List.of("e/one", "two"), paths(index.regionsOf(second.hash(), 10)));
            index.markDamaged("two");
            assertEquals(List.of("e/one"), paths(index.regionsOf(second.hash(), 10)));
            index.put(TestData.file(50, 50).manifest("e/one", 0644, 2L));
            assertEquals(List.of(), index.regionsOf(second.hash(), 10), "an overwrite drops the old content's regions");
            index.put(data.manifest("two", 0644, 3L));
            index.flush();
        }
        try (MirrorIndex index = open()) {
            assertEquals(List.of("two"), paths(index.regionsOf(second.hash(), 10)), "committed with the manifests");
            index.remove("two");
            assertEquals(List.of(), index.regionsOf(data.chunks().get(0).hash(), 10));
        }
    }

    /** Brief item 3: a rename of a folder of 1,000 files, and back, stays far below the benchmark's 100 ms. */
    @Test
    void renamingAFolderOfAThousandFilesIsFast() throws Exception {
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("big", 0755, 1L));
            for (int i = 0; i < 1000; i++) {
                index.put(TestData.file(3000, 1000).manifest(String.format("big/f%04d", i), 0644, 1L));
            }
            index.flush();
            String root = index.rootDigest();
            long best = Long.MAX_VALUE;
            long bestRenames = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                index.rebase("big", "moved");
                index.rebase("moved", "big");
                long t1 = System.nanoTime();
                index.flush();
                best = Math.min(best, System.nanoTime() - t0);
                bestRenames = Math.min(bestRenames, t1 - t0);
            }
            System.out.printf("MirrorIndexTest: two renames of a folder of 1,000 files: %.1f ms, with the commit %.1f ms"
                    + " (best of 5)%n", bestRenames / 1e6, best / 1e6);
            assertEquals(root, index.rootDigest());
            assertEquals(1001, index.size());
            assertEquals(List.of(new MirrorRegions.Region("big/f0999", 2000, 1000)),
                    index.regionsOf(index.get("big/f0999").chunks().get(2).hash(), 10));
            // 100 ms is the benchmark's budget for the whole case; the bound leaves room for a loaded CI machine, and a
            // rebase that re-puts every entry (decode, digest, parent checks) took 590 ms on the same machine.
            assertTrue(best < 300_000_000L, "two renames took " + best / 1_000_000 + " ms");
        }
    }

    /** Issue 11 item 6: after a failed commit, flush fails until the index is committed again from memory. */
    @Test
    void aFailedCommitFailsEveryFlushUntilTheIndexIsCommittedFromMemory() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        try (StateDatabase db = StateDatabase.open(dir.resolve(StateDatabase.FILE))) {
            MirrorIndex index = new MirrorIndex(db, dir.resolve("index.log"));
            index.put(Manifest.directory("a", 0755, 1L));
            index.flush();
            db.commitHookForTests(() -> {
                if (full.get()) {
                    throw new IOException("No space left on device (injected)");
                }
            });
            full.set(true);
            index.put(Manifest.directory("b", 0755, 1L));
            assertThrows(IOException.class, index::flush);
            assertNotNull(index.failure());
            full.set(false);
            index.put(Manifest.directory("c", 0755, 1L));
            assertThrows(IOException.class, index::flush, "still failed: nothing is acknowledged before recover()");

            index.recover();
            assertNull(index.failure());
            index.put(Manifest.directory("d", 0755, 1L));
            index.flush();
            db.commitHookForTests(StateDatabase.CommitHook.NONE);
        }
        try (MirrorIndex index = open()) {
            for (String path : List.of("a", "b", "c", "d")) {
                assertNotNull(index.get(path), path);
            }
        }
    }

    private static List<String> paths(List<MirrorRegions.Region> regions) {
        return regions.stream().map(MirrorRegions.Region::path).toList();
    }
}
