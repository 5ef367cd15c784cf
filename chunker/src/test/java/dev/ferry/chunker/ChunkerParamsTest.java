package dev.ferry.chunker;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerParamsTest {
    private static final String V1 = ChunkerParams.FASTCDC_V1;

    @Test
    void defaultsAreTheDocumentedOnes() {
        assertEquals(new ChunkerParams("fastcdc-nc2-gear-v1", 16384, 65536, 262144), ChunkerParams.DEFAULT);
        assertEquals(ChunkerParams.DEFAULT, new FastCdc().params());
    }

    @Test
    void invalidSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(null, 16384, 65536, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(" ", 16384, 65536, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 16384, 65535, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 16384, 128, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 63, 256, 1024));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 65536, 65536, 262144));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 16384, 65536, 65536));
        assertThrows(IllegalArgumentException.class, () -> new ChunkerParams(V1, 16384, 65536, 64 * 1024 * 1024 + 1));
        assertDoesNotThrow(() -> new ChunkerParams(V1, 64, 256, 257));
    }

    @Test
    void unknownAlgorithmIsRefusedByTheChunker() {
        // A store created by another chunker version announces a name this build cannot reproduce.
        ChunkerParams other = new ChunkerParams("other", 16384, 65536, 262144);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FastCdc(other));
        assertTrue(e.getMessage().contains("other"));
        assertThrows(IllegalArgumentException.class,
                () -> new FastCdc(new ChunkerParams("fastcdc-nc2-gear-v2", 16384, 65536, 262144)));
        assertThrows(NullPointerException.class, () -> new FastCdc(null));
    }

    @Test
    void sameAlgorithmWithOtherSizesIsADifferentChunkingSoParamsMustMatchExactly() throws IOException {
        // Why a store compares the whole record, not just the name: other sizes share few chunks.
        ChunkerParams store = ChunkerParams.DEFAULT;
        ChunkerParams watcher = new ChunkerParams(V1, 8192, 32768, 131072);
        assertNotEquals(store, watcher);
        byte[] data = TestData.random(31, 4 * 1024 * 1024);
        Set<ChunkHash> stored = new HashSet<>();
        TestData.split(new FastCdc(store), data).forEach(c -> stored.add(c.hash()));
        List<Chunk> fromWatcher = TestData.split(new FastCdc(watcher), data);
        long shared = fromWatcher.stream().filter(c -> stored.contains(c.hash())).count();
        // Some cut candidates coincide (same gear hash, overlapping masks), so "few", not "none".
        assertTrue(shared * 10 < fromWatcher.size(), "shared " + shared + " of " + fromWatcher.size());
    }
}
