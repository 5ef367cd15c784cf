package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The region log: regions reach {@link MirrorRegions#regionsOf} whether they are still in the log's tail or folded
 * into the hash-keyed map, survive a reopen of either kind (a clean close folds; a crash leaves the log, whose tail
 * lookup is rebuilt), follow removals, moves and damage in both places, and keep the state file small.
 */
class MirrorIndexRegionLogTest {
    private static final int FOLD_AT = 10;

    @TempDir
    Path dir;

    private MirrorIndex open(Path stateDir, int foldAt) throws Exception {
        return MirrorIndex.open(stateDir.resolve(StateDatabase.FILE), null, foldAt);
    }

    /** What a crash right after the last flush leaves: a copy of the committed, synced file. */
    private Path crashCopy(String name) throws Exception {
        Path copy = Files.createDirectories(dir.resolve(name));
        Files.copy(dir.resolve(StateDatabase.FILE), copy.resolve(StateDatabase.FILE));
        return copy;
    }

    @Test
    void regionsOfASharedChunkAreFoundAcrossAFoldAndAReopen() throws Exception {
        TestData.FileData shared = TestData.file(1000, 400);
        ChunkRef chunk = shared.chunks().get(1);
        List<MirrorRegions.Region> both = List.of(new MirrorRegions.Region("a", 400, 400),
                new MirrorRegions.Region("z", 400, 400));
        try (MirrorIndex index = open(dir, FOLD_AT)) {
            index.put(shared.manifest("a", 0644, 1L)); // 3 regions
            for (int i = 0; i < 8; i++) {
                index.put(TestData.file(100, 100).manifest("f" + i, 0644, 1L)); // the 10th region folds the log
            }
            index.put(shared.manifest("z", 0644, 1L)); // in the new tail
            assertEquals(both, index.regionsOf(chunk.hash(), 10), "one folded, one in the tail, in path order");
            assertEquals(List.of(both.get(0)), index.regionsOf(chunk.hash(), 1), "at most max regions");
            index.flush();

            // A crash now: the copy has "z" only in the log; it is found through the tail rebuilt at open.
            try (MirrorIndex crashed = open(crashCopy("crash"), 1000)) {
                assertEquals(both, crashed.regionsOf(chunk.hash(), 10), "tail rebuilt from the log at open");
                assertEquals(List.of(new MirrorRegions.Region("f3", 0, 100)),
                        crashed.regionsOf(crashed.get("f3").chunks().get(0).hash(), 10));
            }
        }
        try (MirrorIndex index = open(dir, FOLD_AT)) { // closed cleanly: everything folded
            assertEquals(both, index.regionsOf(chunk.hash(), 10));
        }
    }

    @Test
    void removeRebaseDamageAndOverwriteReachTailAndFoldedRegions() throws Exception {
        TestData.FileData folded = TestData.file(300, 100);
        TestData.FileData tailed = TestData.file(300, 100);
        ChunkHash foldedHash = folded.chunks().get(2).hash();
        ChunkHash tailHash = tailed.chunks().get(2).hash();
        try (MirrorIndex index = open(dir, FOLD_AT)) {
            index.put(Manifest.directory("d", 0755, 1L));
            index.put(folded.manifest("d/folded", 0644, 1L));
            index.put(folded.manifest("keep-folded", 0644, 1L));
            for (int i = 0; i < 4; i++) {
                index.put(TestData.file(100, 100).manifest("pad" + i, 0644, 1L)); // 6 + 4 = 10: folded
            }
            index.put(tailed.manifest("d/tailed", 0644, 1L));
            index.put(tailed.manifest("keep-tailed", 0644, 1L));

            index.rebase("d", "e");
            assertEquals(List.of("e/folded", "keep-folded"), paths(index.regionsOf(foldedHash, 10)));
            assertEquals(List.of("e/tailed", "keep-tailed"), paths(index.regionsOf(tailHash, 10)));
            assertEquals(List.of(new MirrorRegions.Region("e/tailed", 200, 100)), index.regionsOf(tailHash, 1));

            index.remove("keep-folded");
            index.remove("keep-tailed");
            index.markDamaged("e/tailed");
            assertEquals(List.of("e/folded"), paths(index.regionsOf(foldedHash, 10)));
            assertEquals(List.of(), index.regionsOf(tailHash, 10), "removed and damaged, from the tail");
            index.put(tailed.manifest("e/folded", 0644, 2L)); // overwrite: the old content's regions go
            assertEquals(List.of(), index.regionsOf(foldedHash, 10), "an overwrite drops folded regions");
            assertEquals(List.of("e/folded"), paths(index.regionsOf(tailHash, 10)));
            index.flush();
            try (MirrorIndex crashed = open(crashCopy("crash"), 1000)) {
                assertEquals(List.of(), crashed.regionsOf(foldedHash, 10));
                assertEquals(List.of("e/folded"), paths(crashed.regionsOf(tailHash, 10)));
            }
        }
        try (MirrorIndex index = open(dir, FOLD_AT)) {
            assertEquals(List.of(), index.regionsOf(foldedHash, 10));
            assertEquals(List.of("e/folded"), paths(index.regionsOf(tailHash, 10)));
            index.remove("e");
            assertEquals(List.of(), index.regionsOf(tailHash, 10), "a folded region removed after a reopen");
        }
    }

    /**
     * 50,000 one-chunk files with a commit every 200 (the apply thread's rhythm): the hash-keyed region map used to
     * be rewritten by every commit, so the file grew with commits x map size (113 MiB here); the log keeps it
     * near the live data.
     */
    @Test
    void theStateFileStaysSmallUnderFrequentCommits() throws Exception {
        Random r = new Random(1);
        byte[] hash = new byte[ChunkHash.LENGTH];
        long t0 = System.nanoTime();
        try (MirrorIndex index = open(dir, MirrorIndex.FOLD_AT)) {
            for (int i = 0; i < 50_000; i++) {
                if (i % 1000 == 0) {
                    index.put(Manifest.directory(String.format("d%03d", i / 1000), 0755, 1L));
                }
                r.nextBytes(hash);
                index.put(Manifest.file(String.format("d%03d/file-%06d.bin", i / 1000, i), 0644, 1L, 1024,
                        List.of(new ChunkRef(ChunkHash.of(hash.clone()), 1024))));
                if (i % 200 == 199) {
                    index.flush();
                }
            }
        }
        long size = Files.size(dir.resolve(StateDatabase.FILE));
        System.out.printf("state.mv.db after 50,000 entries committed every 200: %d KiB (%.1f s)%n", size >> 10,
                (System.nanoTime() - t0) / 1e9);
        assertTrue(size < BOUND, "state.mv.db is " + (size >> 20) + " MiB");
        try (MirrorIndex index = open(dir, MirrorIndex.FOLD_AT)) {
            Manifest last = index.get("d049/file-049999.bin");
            assertEquals(List.of(new MirrorRegions.Region(last.path(), 0, 1024)),
                    index.regionsOf(last.chunks().get(0).hash(), 10));
        }
    }

    private static final long BOUND = 30L << 20;

    private static List<String> paths(List<MirrorRegions.Region> regions) {
        List<String> out = new ArrayList<>();
        regions.forEach(r -> out.add(r.path()));
        return out;
    }
}
