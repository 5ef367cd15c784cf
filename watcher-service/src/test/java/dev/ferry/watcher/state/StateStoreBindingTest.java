package dev.ferry.watcher.state;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A watcher's state belongs to the one store it was synced to; the saved file is private. */
class StateStoreBindingTest {
    @TempDir
    Path stateDir;

    private LocalStateCache withEntries(int n) {
        LocalStateCache cache = new LocalStateCache(stateDir, "/src", ChunkerParams.DEFAULT);
        for (int i = 0; i < n; i++) {
            cache.put("f" + i, CachedEntry.of(Manifest.directory("f" + i, 0755, 1_000_000L * i), 100 + i, false));
        }
        return cache;
    }

    @Test
    void theStoreIdIsSavedAndLoadedWithTheState() throws IOException {
        LocalStateCache cache = withEntries(3);
        assertFalse(cache.bindTo("store-a"), "a state of no known store is adopted, not dropped");
        cache.close();
        LocalStateCache loaded = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT);
        assertEquals("store-a", loaded.storeId());
        assertEquals(3, loaded.size());
        assertFalse(loaded.bindTo("store-a"));
        assertEquals(3, loaded.size(), "the same store keeps the state");
    }

    @Test
    void anotherStoreStartsFromNothing() throws IOException {
        LocalStateCache cache = withEntries(3);
        cache.bindTo("store-a");
        cache.close();
        LocalStateCache loaded = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT);
        assertTrue(loaded.bindTo("store-b"), "the state of store-a says nothing about store-b");
        assertEquals(0, loaded.size());
        assertEquals(0, loaded.fileCount());
        assertEquals("store-b", loaded.storeId());
        loaded.close();
        LocalStateCache again = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT);
        assertEquals("store-b", again.storeId());
        assertEquals(0, again.size());
    }

    @Test
    void aStateSavedBeforeStoresWereRecordedLoadsWithoutOne() throws IOException {
        LocalStateCache cache = withEntries(2);
        cache.close();
        LocalStateCache loaded = LocalStateCache.load(stateDir, "/src", ChunkerParams.DEFAULT);
        assertNull(loaded.storeId());
        assertEquals(2, loaded.size());
    }

    @Test
    void theSavedStateIsReadableByItsOwnerOnly() throws IOException {
        Path file = stateDir.resolve(LocalStateCache.FILE_NAME);
        LocalStateCache cache = withEntries(2);
        cache.save();
        cache.close();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }
}
