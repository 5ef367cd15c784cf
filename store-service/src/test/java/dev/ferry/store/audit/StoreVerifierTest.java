package dev.ferry.store.audit;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.TestChunkStores;
import dev.ferry.store.storage.TestChunkStores;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreVerifierTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    MirrorIndex index;
    ChunkStore chunks;
    Materializer materializer;
    StoreVerifier verifier;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        // Chunks only in packs: what the verifier finds in the packs is the subject here.
        chunks = TestChunkStores.withoutRegions(layout);
        materializer = new Materializer(layout, chunks, index);
        verifier = new StoreVerifier(chunks, index, materializer, layout);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    private TestData.FileData put(String path) throws Exception {
        TestData.FileData f = TestData.file(100_000, 30_000);
        for (byte[] p : f.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        Manifest m = f.manifest(path, 0644, 1_600_000_000_000_000_000L);
        assertEquals(List.of(), materializer.apply(m));
        index.put(m);
        return f;
    }

    private static void scribble(Path p, long at) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(p);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(at);
            f.write(new byte[] {9, 9, 9, 9});
        }
        Files.setLastModifiedTime(p, mtime);
    }

    @Test
    void aConsistentStoreIsClean() throws Exception {
        put("a.bin");
        put("dir/b.bin");
        StoreVerifier.Report r = verifier.verify(false);
        assertTrue(r.clean(), StoreVerifier.describe(r).toString());
        assertEquals(8, r.chunksChecked());
        assertEquals(2, r.entriesChecked());
    }

    @Test
    void findsAndRepairsCorruptChunksFilesChangedBehindTheirMtimeAndLostChunks() throws Exception {
        TestData.FileData a = put("a.bin");
        TestData.FileData b = put("b.bin");
        TestData.FileData c = put("c.bin");
        // a: a corrupt chunk, while the mirror file still holds its bytes.
        ChunkHash aChunk = a.chunks().get(1).hash();
        TestChunkStores.corruptPackRecord(layout, chunks, aChunk);
        // b: bytes changed in DEST with size and mtime kept: invisible to the auditor.
        scribble(dest.resolve("b.bin"), 45_000);
        assertTrue(materializer.intact(index.get("b.bin")), "the auditor's check cannot see it");
        // c: damaged in DEST and one of its chunks gone: only the watcher can bring it back.
        scribble(dest.resolve("c.bin"), 10);
        chunks.delete(c.chunks().get(0).hash());

        StoreVerifier.Report found = verifier.verify(false);
        List<String> text = StoreVerifier.describe(found);
        assertFalse(found.clean(), text.toString());
        assertEquals(1, found.corruptChunks(), text.toString());
        assertEquals(2, found.missingChunks(), text.toString());
        assertEquals(2, found.damagedEntries(), text.toString());
        assertEquals(0, found.repaired());
        assertNotNull(chunks.locationOf(aChunk), "without --repair nothing changes");
        assertTrue(text.stream().anyMatch(l -> l.contains("b.bin") && l.contains("although size and mtime match")), text.toString());

        StoreVerifier.Report fixed = verifier.verify(true);
        assertEquals(2, fixed.remaining(), "c.bin and its lost chunk wait for the watcher: " + StoreVerifier.describe(fixed));
        assertArrayEquals(a.bytes(), Files.readAllBytes(dest.resolve("a.bin")));
        byte[] restored = new byte[a.pieces().get(1).length];
        assertEquals(restored.length, chunks.read(a.chunks().get(1).hash(), new byte[chunks.maxChunk()]),
                "the corrupt chunk was stored again from the intact mirror file");
        assertArrayEquals(b.bytes(), Files.readAllBytes(dest.resolve("b.bin")), "rebuilt from its chunks");
        assertTrue(Files.exists(dest.resolve("c.bin")), "never deleted: it may be the only copy (issue 11 item 7b)");
        assertEquals(MirrorIndex.DAMAGED, index.digestOf("c.bin"), "marked, so the watcher's next reconcile sends it");

        StoreVerifier.Report after = verifier.verify(false);
        assertEquals(1, after.damagedEntries(), StoreVerifier.describe(after).toString());
        assertEquals(1, after.missingChunks(), StoreVerifier.describe(after).toString());
        assertEquals(0, after.repaired());
    }

    /** Issue 11 item 7b: a file whose chunk is gone but whose bytes are intact keeps them; its metadata comes back. */
    @Test
    void aFileWithChangedMetadataAndALostChunkIsKeptAndGivesTheChunkBack() throws Exception {
        TestData.FileData d = put("d.bin");
        Path file = dest.resolve("d.bin");
        ChunkHash lost = d.chunks().get(2).hash();
        chunks.delete(lost);
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        StoreVerifier.Report fixed = verifier.verify(true);
        List<String> text = StoreVerifier.describe(fixed);
        assertTrue(fixed.clean(), text.toString());
        assertArrayEquals(d.bytes(), Files.readAllBytes(file), "kept");
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertTrue(chunks.inPack(lost), "the lost chunk is stored again from the intact file");
        assertEquals(d.chunks().get(2).length(), chunks.read(d.chunks().get(2).hash(), new byte[chunks.maxChunk()]));
        assertTrue(verifier.verify(false).clean());
    }
}
