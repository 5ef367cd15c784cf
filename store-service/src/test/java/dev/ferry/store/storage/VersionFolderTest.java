package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deleted folder of many files is kept whole (one hard link a file) and stands again at a moment before the
 * delete; prints what keeping costs the delete, and what listing the folder as it was costs.
 */
class VersionFolderTest {
    static final int FILES = 2_000;
    @TempDir
    Path base;
    StoreLayout layout;
    MirrorIndex index;
    ChunkStore chunks;
    Materializer materializer;
    final AtomicLong clock = new AtomicLong(1_000_000);

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(Files.createDirectory(base.resolve("dest")));
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        // Building the folder is not what is measured: no fsync per file.
        materializer = new Materializer(layout.dest(), layout.tmpDir(), chunks, index, (ch, f) -> { });
        index.versions().clockForTests(clock::get);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    private long build(String dir, TestData.FileData data) throws Exception {
        Manifest d = Manifest.directory(dir, 0755, 1L);
        materializer.apply(d);
        index.put(d);
        for (int i = 0; i < FILES; i++) {
            Manifest m = data.manifest(dir + "/sub-" + (i % 20) + "/f-" + i, 0644, i);
            if (i < 20) {
                Manifest sub = Manifest.directory(dir + "/sub-" + i, 0755, 1L);
                materializer.apply(sub);
                index.put(sub);
            }
            materializer.apply(m);
            index.put(m);
        }
        index.flush();
        clock.addAndGet(1000);
        long t0 = System.nanoTime();
        materializer.delete(dir);
        index.remove(dir);
        index.flush();
        return System.nanoTime() - t0;
    }

    @Test
    void aDeletedFolderOfManyFilesIsKeptWholeAndStandsAgainAtAMomentBefore() throws Exception {
        TestData.FileData data = TestData.file(1_000, 16_000);
        for (byte[] p : data.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        index.versions().enable(false);
        long off = build("off", data);
        index.versions().enable(true);
        long kept = build("kept", data);
        assertEquals(FILES + 21, index.versions().count(), "the folder, 20 subfolders and every file");

        long t0 = System.nanoTime();
        long[] n = {0};
        new TreeAt(index, "kept", clock.get() - 1).forEachRemaining(m -> n[0]++);
        long listed = System.nanoTime() - t0;
        assertEquals(FILES + 21, n[0]);
        Path some = layout.versionsDir().resolve(VersionHistory.hex(index.versions().of("kept/sub-7/f-7").get(0).number()));
        assertArrayEquals(data.bytes(), Files.readAllBytes(some));
        assertTrue(Files.notExists(layout.dest().resolve("kept")));
        System.out.printf("VersionFolderTest: delete of a folder of %,d files: %.1f ms without history, %.1f ms keeping "
                + "it (one link and one record a file); the folder as it was listed in %.1f ms%n", FILES, off / 1e6,
                kept / 1e6, listed / 1e6);
        List<VersionHistory.Version> v = index.versions().of("kept");
        assertEquals(VersionHistory.Reason.DELETED, v.get(0).reason());
    }
}
