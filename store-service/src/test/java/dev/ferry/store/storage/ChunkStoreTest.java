package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkStoreTest {
    @TempDir
    Path base;
    Path dest;
    StoreLayout layout;
    MirrorIndex index;
    ChunkStore store;
    Materializer materializer;

    @BeforeEach
    void open() throws Exception {
        dest = Files.createDirectory(base.resolve("dest"));
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        store = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, store, index);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    private long packFiles() throws Exception {
        try (Stream<Path> s = Files.walk(TestChunkStores.packsDir(layout))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".pack")).count();
        }
    }

    /** Applies {@code f} as the store does: chunks uploaded, file written, indexed, its pack records released. */
    private Manifest sync(String path, TestData.FileData f) throws Exception {
        for (byte[] p : f.pieces()) {
            store.put(TestData.hash(p), p, 0, p.length);
        }
        Manifest m = f.manifest(path, 0644, 1_700_000_000_000_000_000L);
        assertEquals(List.of(), materializer.applyFile(m));
        index.put(m);
        materializer.recorded(m);
        materializer.commitChunks();
        index.flush();
        return m;
    }

    @Test
    void storesInAPackNotAFilePerChunkAndReadsBack() throws Exception {
        byte[] data = TestData.random(70_000);
        ChunkHash h = TestData.hash(data);
        assertEquals(ChunkStore.Stored.STORED, store.put(h, data, 0, data.length));
        assertEquals(ChunkStore.Stored.PRESENT, store.put(h, data, 0, data.length));
        store.flush();
        assertFalse(Files.exists(layout.chunksDir()), "no chunk files");
        assertEquals(1, packFiles());
        byte[] buf = new byte[store.maxChunk()];
        assertEquals(data.length, store.read(h, buf));
        assertArrayEquals(data, java.util.Arrays.copyOf(buf, data.length));
        assertEquals(1, store.chunkCount());
        assertEquals(data.length, store.byteCount());
        try (var tmp = Files.list(layout.tmpDir())) {
            assertEquals(0, tmp.count(), "no temp file left behind");
        }
    }

    @Test
    void refusesBytesThatDoNotMatchTheirName() throws Exception {
        byte[] data = TestData.random(1000);
        ChunkHash other = TestData.hash(TestData.random(10));
        assertThrows(ChunkStore.HashMismatchException.class, () -> store.put(other, data, 0, data.length));
        assertFalse(store.has(other));
        assertFalse(store.has(TestData.hash(data)));
    }

    @Test
    void aPackRecordCorruptedOnDiskIsDetectedDroppedAndAskedForAgain() throws Exception {
        TestData.FileData f = TestData.file(5000, 2000);
        for (byte[] p : f.pieces()) {
            store.put(TestData.hash(p), p, 0, p.length);
        }
        ChunkHash h = f.chunks().get(1).hash();
        TestChunkStores.corruptPackRecord(layout, store, h);
        Manifest m = f.manifest("f", 0644, 1L);
        assertEquals(List.of(h), materializer.applyFile(m), "the bad record is never written: its chunk is asked for");
        assertFalse(Files.exists(dest.resolve("f")));
        assertFalse(store.has(h), "its location is dropped");
        assertEquals(1, store.corruptCount());
        assertEquals(List.of(h), materializer.lacking(m));
        byte[] good = f.pieces().get(1);
        assertEquals(ChunkStore.Stored.STORED, store.put(h, good, 0, good.length), "stored again when sent again");
        assertEquals(List.of(), materializer.applyFile(m));
        assertArrayEquals(f.bytes(), Files.readAllBytes(dest.resolve("f")));
    }

    @Test
    void locationsSurviveAReopenAndAnUncommittedPackIsDeletedAtStart() throws Exception {
        byte[] data = TestData.random(300);
        store.put(TestData.hash(data), data, 0, data.length);
        store.flush();
        ChunkStore again = TestChunkStores.open(layout, index);
        assertEquals(1, again.chunkCount());
        assertEquals(300, again.read(TestData.hash(data), new byte[again.maxChunk()]));
        // A record appended but never committed (a crash before the flush): its pack holds nothing live.
        byte[] lost = TestData.random(500);
        Path orphanDir = base.resolve("orphan-packs");
        var packs = new dev.ferry.store.storage.pack.LocalPackStore(TestChunkStores.packsDir(layout));
        packs.append(TestData.hash(lost), lost, 0, lost.length);
        packs.sync();
        packs.close();
        ChunkStore third = TestChunkStores.open(layout, index);
        assertEquals(1, packFiles(), "the pack no committed location points into is deleted");
        assertFalse(third.has(TestData.hash(lost)));
        assertEquals(300, third.read(TestData.hash(data), new byte[third.maxChunk()]));
        assertFalse(Files.exists(orphanDir));
    }

    /** Issue 12: the store's folder holds the source about once, in about as many entries. */
    @Test
    void aSyncedTreeIsKeptOnceInTheMirrorAndTheEmptiedPackIsDeleted() throws Exception {
        long sourceBytes = 0;
        int files = 40;
        for (int i = 0; i < files; i++) {
            TestData.FileData f = TestData.file(50_000 + i * 3_000, 9_000);
            sourceBytes += f.bytes().length;
            sync("dir" + (i % 4) + "/f" + i + ".bin", f);
        }
        long sourceEntries = files + 4;
        assertEquals(0, store.chunkCount(), "every chunk is held by a mirror file, none in a pack");
        assertEquals(0, packFiles(), "the pack with nothing live is deleted after the commit");
        long[] destBytes = {0};
        long[] destEntries = {0};
        Path stateDb = layout.stateDir().resolve(StateDatabase.FILE);
        try (Stream<Path> all = Files.walk(dest)) {
            all.filter(p -> !p.equals(dest)).forEach(p -> {
                destEntries[0]++;
                if (Files.isRegularFile(p) && !p.equals(stateDb)) {
                    destBytes[0] += p.toFile().length();
                }
            });
        }
        // The state database is a constant here (MVStore keeps recent chunks for a while): bounded on its own.
        long dbBytes = Files.size(stateDb);
        System.out.printf("[chunkstore] state.mv.db %d bytes%n", dbBytes);
        assertTrue(dbBytes <= 2L << 20, dbBytes + " bytes of state database");
        System.out.printf("[chunkstore] DEST holds %d bytes in %d entries for a source of %d bytes in %d entries%n",
                destBytes[0], destEntries[0], sourceBytes, sourceEntries);
        assertTrue(destBytes[0] <= sourceBytes * 1.05, destBytes[0] + " bytes for " + sourceBytes);
        // The constant: .ferry's own files and folders, and LocalPackStore's fan-out folders (at most 256).
        assertTrue(destEntries[0] <= sourceEntries * 1.01 + 12 + 256, destEntries[0] + " entries for " + sourceEntries);
        Manifest m = index.get("dir1/f5.bin");
        ChunkRef c = m.chunks().get(2);
        byte[] buf = new byte[store.maxChunk()];
        assertEquals(c.length(), store.read(c.hash(), buf), "read from its mirror region");
    }

    @Test
    void aChangedRegionIsNeverUsedAndItsFileIsMarkedDamaged() throws Exception {
        TestData.FileData f = TestData.file(40_000, 9_000);
        Manifest m = sync("a.bin", f);
        assertNull(store.locationOf(m.chunks().get(0).hash()), "held by the mirror only");
        Path file = dest.resolve("a.bin");
        FileTime mtime = Files.getLastModifiedTime(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(10);
            raf.write(new byte[] {7, 7, 7});
        }
        Files.setLastModifiedTime(file, mtime);
        Manifest copy = f.manifest("copy.bin", 0644, 1L);
        assertEquals(List.of(m.chunks().get(0).hash()), materializer.applyFile(copy),
                "the changed region is not copied: its chunk is asked for");
        assertFalse(Files.exists(dest.resolve("copy.bin")));
        assertTrue(index.damaged("a.bin"), "the reconcile asks the watcher for a.bin again");
        assertEquals(1, store.corruptCount());
    }

    @Test
    void aRegionWhoseFileBecameALinkIsNotFollowed() throws Exception {
        TestData.FileData f = TestData.file(20_000, 9_000);
        Manifest m = sync("a.bin", f);
        Path outside = Files.write(base.resolve("outside.bin"), f.bytes());
        Files.delete(dest.resolve("a.bin"));
        Files.createSymbolicLink(dest.resolve("a.bin"), outside);
        assertEquals(-1, store.read(m.chunks().get(0).hash(), new byte[store.maxChunk()]));
        assertTrue(index.damaged("a.bin"));
    }

    @Test
    void aPackGoesOnlyAfterTheCommitThatMadeItDead() throws Exception {
        TestData.FileData f = TestData.file(30_000, 9_000);
        for (byte[] p : f.pieces()) {
            store.put(TestData.hash(p), p, 0, p.length);
        }
        store.flush();
        assertEquals(1, packFiles());
        Manifest m = f.manifest("a.bin", 0644, 1L);
        assertEquals(List.of(), materializer.applyFile(m));
        index.put(m);
        materializer.recorded(m);
        assertEquals(1, packFiles(), "not before the commit");
        assertEquals(0, store.chunkCount());
        materializer.commitChunks();
        assertEquals(0, packFiles());
        assertNotNull(index.get("a.bin"));
    }

    @Test
    void repackKeepsLiveChunksAndDeletesTheOldPack() throws Exception {
        Path dir = base.resolve("packs-only");
        var packStore = new dev.ferry.store.storage.pack.LocalPackStore(dir, 70_000);
        ChunkStore packsOnly = new ChunkStore(dest, StateDatabase.open(base.resolve("state.mv.db")), packStore,
                (h, max) -> List.of(), p -> { }, store.maxChunk());
        byte[][] chunks = new byte[6][];
        for (int i = 0; i < chunks.length; i++) {
            chunks[i] = TestData.random(10_000 + i);
            packsOnly.put(TestData.hash(chunks[i]), chunks[i], 0, chunks[i].length);
        }
        packsOnly.flush();
        long oldPack = packsOnly.locationOf(TestData.hash(chunks[0])).pack();
        for (int i = 0; i < 5; i++) {
            packsOnly.delete(TestData.hash(chunks[i]));
        }
        // A newer pack, so the old one is no longer the one being filled.
        byte[] newer = TestData.random(20_000);
        packsOnly.put(TestData.hash(newer), newer, 0, newer.length);
        packsOnly.flush();
        assertTrue(packsOnly.locationOf(TestData.hash(newer)).pack() != oldPack);
        assertTrue(packsOnly.repack(0.5) > 0);
        assertFalse(Files.exists(packStore.pathOf(oldPack)));
        byte[] buf = new byte[packsOnly.maxChunk()];
        assertEquals(chunks[5].length, packsOnly.read(TestData.hash(chunks[5]), buf));
        assertArrayEquals(chunks[5], java.util.Arrays.copyOf(buf, chunks[5].length));
        assertEquals(-1, packsOnly.read(TestData.hash(chunks[0]), buf));
    }
}
