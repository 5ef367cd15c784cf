package dev.ferry.watcher.state;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A state.jsonl of an older watcher is imported into the database once, then removed. */
class LegacyStateImportTest {
    @TempDir
    Path stateDir;

    private static final List<ChunkRef> CHUNKS = chunks(20);

    private static List<ChunkRef> chunks(int n) {
        List<ChunkRef> refs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] h = new byte[32];
            h[0] = 7;
            h[1] = (byte) i;
            refs.add(new ChunkRef(ChunkHash.of(h), 1000));
        }
        return refs;
    }

    /** What a watcher before the database wrote: a header line, then one JSON line per entry. */
    private Path writeLegacy(String source, String tail) throws IOException {
        String text = "{\"format\":\"ferry-watcher-state\",\"version\":1,\"source\":\"" + source + "\",\"chunker\":\""
                + ChunkerParams.DEFAULT + "\",\"store\":\"store-1\"}\n"
                + "{\"p\":\"d\",\"t\":\"dir\",\"m\":493,\"mt\":1000,\"s\":0,\"i\":11}\n"
                + "{\"p\":\"d/big\",\"t\":\"file\",\"m\":420,\"mt\":2000,\"s\":20000,\"i\":12,\"c\":\""
                + ChunkListCodec.encode(CHUNKS) + "\",\"r\":true}\n"
                + "{\"p\":\"d/link\",\"t\":\"symlink\",\"m\":511,\"mt\":3000,\"s\":0,\"i\":13,\"l\":\"big\"}\n"
                + tail;
        return Files.writeString(stateDir.resolve(LocalStateCache.LEGACY_FILE_NAME), text);
    }

    @Test
    void anOldStateIsImportedOnceThenRemoved() throws IOException {
        Path legacy = writeLegacy("/src", "");
        try (LocalStateCache cache = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT)) {
            assertFalse(Files.exists(legacy), "removed after the import was committed");
            assertEquals(3, cache.size());
            assertEquals("store-1", cache.storeId());
            assertEquals(1, cache.fileCount());
            assertEquals(20000, cache.byteCount());
            assertFalse(cache.isDirty());
        }
        try (LocalStateCache cache = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT)) {
            CachedEntry big = cache.get("d/big");
            assertEquals(new Manifest("d/big", EntryType.FILE, 420, 2000, 20000, CHUNKS, null), big.manifest("d/big"));
            assertEquals(12, big.inode());
            assertTrue(big.racy());
            assertEquals("big", cache.get("d/link").target());
            assertEquals(EntryType.DIRECTORY, cache.get("d").type());
            assertEquals("d/big", cache.withFirstChunk(CHUNKS.get(0), "copy"), "the first-chunk index is rebuilt");
            assertEquals("store-1", cache.storeId());
        }
    }

    @Test
    void anOldStateLeftBesideACommittedImportIsRemovedNotReadAgain() throws IOException {
        writeLegacy("/src", "");
        LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT).close();
        // As if the import committed and the watcher stopped before it removed the old file, which then changed.
        Path legacy = writeLegacy("/src", "{\"p\":\"stale\",\"t\":\"dir\",\"m\":493,\"mt\":1,\"s\":0,\"i\":14}\n");
        try (LocalStateCache cache = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT)) {
            assertFalse(Files.exists(legacy));
            assertNull(cache.get("stale"));
            assertEquals(3, cache.size());
        }
    }

    @Test
    void aDamagedLineEndsTheImportThereAndAnotherSourcesStateIsDropped() throws IOException {
        writeLegacy("/src", "{\"p\":\"torn\",\"t\":\"di");
        try (LocalStateCache cache = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT)) {
            assertEquals(3, cache.size());
            assertNull(cache.get("torn"));
        }
        Files.delete(stateDir.resolve(LocalStateCache.FILE_NAME));
        Path legacy = writeLegacy("/elsewhere", "");
        try (LocalStateCache cache = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT)) {
            assertEquals(0, cache.size());
            assertFalse(Files.exists(legacy));
        }
    }
}
