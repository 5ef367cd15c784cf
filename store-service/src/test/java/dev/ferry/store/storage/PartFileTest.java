package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uploads written once, straight into the file being built (docs/STORAGE.md). Real files under a temp DEST. */
class PartFileTest {
    @TempDir
    Path base;
    StoreLayout layout;
    MirrorIndex index;
    ChunkStore chunks;
    Materializer materializer;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(Files.createDirectory(base.resolve("dest")));
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    @Test
    void anUploadLandsInTheFileBeingBuiltAtEveryOffsetAndNeverInAPack() throws Exception {
        byte[] a = TestData.random(1000);
        byte[] b = TestData.random(700);
        Manifest m = file("dir/aba", a, b, a);
        PartFile part = materializer.openPart(m);
        part.want(List.of(hash(a), hash(b)));

        assertEquals(ChunkStore.Stored.STORED, put(a));
        assertEquals(ChunkStore.Stored.PRESENT, put(a), "a second upload of a chunk the file holds is not written again");
        assertEquals(ChunkStore.Stored.STORED, put(b));
        chunks.flush();
        assertEquals(0, chunks.chunkCount(), "no chunk a file being built took is in a pack");
        assertEquals(0, chunks.packFigures()[1], "no pack bytes were written");
        List<Path> inTmp = tmpFiles();
        assertEquals(1, inTmp.size());
        assertArrayEquals(concat(a, b, a), Files.readAllBytes(inTmp.get(0)), "each chunk at every offset it has");

        Materializer.Written w = materializer.write(m, part);
        assertEquals(inTmp.get(0), w.tmp(), "the file is completed where the uploads were written");
        install(m, w, part);
        assertArrayEquals(concat(a, b, a), Files.readAllBytes(layout.dest().resolve("dir/aba")));
        assertEquals(List.of(), tmpFiles());
    }

    @Test
    void oneUploadServesEveryFileWantingItAndALaterFileIsNotAskedForIt() throws Exception {
        byte[] x = TestData.random(900);
        byte[] y = TestData.random(500);
        byte[] z = TestData.random(300);
        Manifest m1 = file("one", x, y);
        Manifest m2 = file("two", z, x);
        PartFile p1 = materializer.openPart(m1);
        p1.want(materializer.lacking(m1));
        PartFile p2 = materializer.openPart(m2);
        p2.want(materializer.lacking(m2));

        assertEquals(ChunkStore.Stored.STORED, put(x));
        assertEquals(0, chunks.chunkCount(), "taken by both files being built, not packed");

        Manifest later = file("later", x, x);
        assertEquals(List.of(), materializer.lacking(later), "a file registered after the upload is not asked for it");
        assertEquals(List.of(), materializer.applyFile(later), "built from a file being built, verified");
        index.put(later);
        assertArrayEquals(concat(x, x), Files.readAllBytes(layout.dest().resolve("later")));

        put(y);
        put(z);
        install(m1, materializer.write(m1, p1), p1);
        install(m2, materializer.write(m2, p2), p2);
        assertArrayEquals(concat(x, y), Files.readAllBytes(layout.dest().resolve("one")));
        assertArrayEquals(concat(z, x), Files.readAllBytes(layout.dest().resolve("two")));
        chunks.flush();
        assertEquals(0, chunks.packFigures()[1], "every upload went into the files, none into a pack");
        assertEquals(List.of(), tmpFiles());
    }

    @Test
    void aDroppedFileIsDeletedAndTheUploadItHeldIsKeptForAFileThatCountedOnIt() throws Exception {
        byte[] x = TestData.random(800);
        byte[] w = TestData.random(600);
        Manifest first = file("first", x);
        Manifest second = file("second", x, w);
        PartFile p1 = materializer.openPart(first);
        p1.want(materializer.lacking(first));
        put(x);
        assertEquals(List.of(hash(w)), materializer.lacking(second), "the chunk the first file holds is not asked for");
        PartFile p2 = materializer.openPart(second);
        p2.want(materializer.lacking(second));

        p1.drop();
        assertEquals(List.of(), tmpFiles(), "the superseded file's part file is gone from .ferry/tmp");
        assertTrue(chunks.inPack(hash(x)), "the upload only it held is kept in a pack");
        assertEquals(List.of(), materializer.lacking(first), "a reconnecting watcher is not asked for it again");
        put(w);
        Materializer.Written done = materializer.write(second, p2);
        install(second, done, p2);
        assertArrayEquals(concat(x, w), Files.readAllBytes(layout.dest().resolve("second")));
        assertEquals(List.of(), tmpFiles());
    }

    @Test
    void aFileThatCountedOnAChunkNoLongerAnywhereAsksForItAgain() throws Exception {
        byte[] x = TestData.random(800);
        byte[] w = TestData.random(600);
        Manifest first = file("first", x);
        Manifest second = file("second", x, w);
        PartFile p1 = materializer.openPart(first);
        p1.want(materializer.lacking(first));
        put(x);
        PartFile p2 = materializer.openPart(second);
        p2.want(materializer.lacking(second));
        p1.close();
        put(w);
        Materializer.Written lacking = materializer.write(second, p2);
        assertNull(lacking.tmp());
        assertEquals(List.of(hash(x)), lacking.lacking(), "asked for again, never built without it");

        p2.want(lacking.lacking());
        assertEquals(ChunkStore.Stored.STORED, put(x));
        install(second, materializer.write(second, p2), p2);
        assertArrayEquals(concat(x, w), Files.readAllBytes(layout.dest().resolve("second")));
        chunks.flush();
        assertEquals(0, chunks.packFigures()[1], "the second upload went into the file being built");
        assertEquals(List.of(), tmpFiles());
    }

    private void install(Manifest m, Materializer.Written w, PartFile part) throws Exception {
        assertNotNull(w.tmp(), "complete: " + w.lacking());
        materializer.install(m, w);
        index.put(m);
        materializer.recorded(m);
        part.close();
    }

    private ChunkStore.Stored put(byte[] c) throws Exception {
        return chunks.put(hash(c), c, 0, c.length);
    }

    private static ChunkHash hash(byte[] c) {
        return TestData.hash(c);
    }

    private static Manifest file(String path, byte[]... pieces) {
        List<ChunkRef> refs = new ArrayList<>();
        long size = 0;
        for (byte[] p : pieces) {
            refs.add(new ChunkRef(hash(p), p.length));
            size += p.length;
        }
        return Manifest.file(path, 0644, 1_700_000_000_000_000_000L, size, refs);
    }

    private static byte[] concat(byte[]... pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : pieces) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private List<Path> tmpFiles() throws Exception {
        try (Stream<Path> s = Files.list(layout.tmpDir())) {
            return s.toList();
        }
    }
}
