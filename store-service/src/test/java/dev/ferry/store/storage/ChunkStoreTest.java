package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkStoreTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    ChunkStore store;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        store = new ChunkStore(layout);
    }

    @AfterEach
    void close() throws Exception {
        layout.close();
    }

    @Test
    void storesUnderItsHashAndReadsBack() throws Exception {
        byte[] data = TestData.random(70_000);
        ChunkHash h = TestData.hash(data);
        assertEquals(ChunkStore.Stored.STORED, store.put(h, data, 0, data.length));
        assertEquals(ChunkStore.Stored.PRESENT, store.put(h, data, 0, data.length));
        String hex = h.hex();
        assertTrue(Files.isRegularFile(dest.resolve(".ferry/chunks/" + hex.substring(0, 2) + "/" + hex)));
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
    void corruptChunkIsDetectedOnReadAndDeleted() throws Exception {
        byte[] data = TestData.random(5000);
        ChunkHash h = TestData.hash(data);
        store.put(h, data, 0, data.length);
        Path file = store.pathOf(h);
        byte[] bad = data.clone();
        bad[100] ^= 1;
        Files.write(file, bad);
        assertEquals(-1, store.read(h, new byte[store.maxChunk()]));
        assertFalse(store.has(h), "a corrupt chunk is deleted");
        assertEquals(1, store.corruptCount());
        assertEquals(-1, store.read(h, new byte[store.maxChunk()]), "a missing chunk reads as -1");
    }

    @Test
    void countsExistingChunksAtOpen() throws Exception {
        byte[] data = TestData.random(300);
        store.put(TestData.hash(data), data, 0, data.length);
        assertEquals(1, new ChunkStore(layout).chunkCount());
    }
}
