package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * DEST/.ferry names every path, size and mode of the mirror: it is private to the store's user, on a new store and on
 * one an older version left world-readable; and no materialized entry gets set-user-ID or set-group-ID.
 */
class PrivateStateTest {
    @TempDir
    Path base;

    @Test
    void aNewStoreKeepsItsStatePrivate() throws Exception {
        Path dest = base.resolve("dest");
        try (StoreLayout layout = StoreLayout.open(dest); MirrorIndex index = new MirrorIndex(layout, TestChunkStores.db(layout))) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.flush();
            new SourceBinding(layout.sourceFile(), layout.tmpDir()).bind("src-1", "host:1");
            assertPrivate(layout);
            assertEquals(0600, mode(layout.sourceFile()));
            ChunkStore chunks = TestChunkStores.open(layout, index);
            byte[] data = TestData.random(100);
            chunks.put(TestData.hash(data), data, 0, data.length);
            chunks.flush();
            assertEquals(0700, mode(TestChunkStores.packsDir(layout)), "packs/");
            try (var files = Files.walk(TestChunkStores.packsDir(layout))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    assertEquals(0600, mode(f), f.toString());
                }
            }
        }
    }

    @Test
    void anOlderStoreIsTightenedOnStart() throws Exception {
        Path dest = base.resolve("old");
        try (StoreLayout layout = StoreLayout.open(dest); MirrorIndex index = new MirrorIndex(layout, TestChunkStores.db(layout))) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.flush();
        }
        Path state = dest.resolve(".ferry");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createDirectories(state.resolve("packs"));
        for (String name : List.of("packs", "tmp")) {
            Files.setPosixFilePermissions(state.resolve(name), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (String name : List.of(StateDatabase.FILE, "store-id", "chunker", "lock")) {
            Files.setPosixFilePermissions(state.resolve(name), PosixFilePermissions.fromString("rw-r--r--"));
        }
        try (StoreLayout layout = StoreLayout.open(dest); MirrorIndex index = new MirrorIndex(layout, TestChunkStores.db(layout))) {
            assertPrivate(layout);
        }
    }

    @Test
    void materializedEntriesNeverGetSetIdBits() throws Exception {
        Path dest = base.resolve("modes");
        try (StoreLayout layout = StoreLayout.open(dest); MirrorIndex index = new MirrorIndex(layout, TestChunkStores.db(layout))) {
            ChunkStore chunks = TestChunkStores.open(layout, index);
            Materializer materializer = new Materializer(layout, chunks, index);
            TestData.FileData f = TestData.file(2000, 1000);
            for (byte[] p : f.pieces()) {
                chunks.put(TestData.hash(p), p, 0, p.length);
            }
            Manifest tool = f.manifest("tool", 06755, 1_000_000_000L);
            assertEquals(List.of(), materializer.applyFile(tool));
            Manifest sticky = f.manifest("sticky-file", 01644, 1_000_000_000L);
            assertEquals(List.of(), materializer.applyFile(sticky));
            materializer.applyDirectory(Manifest.directory("shared", 03777, 1_000_000_000L));
            materializer.applyDirectory(Manifest.directory("group", 02775, 1_000_000_000L));
            materializer.finishDirectories();
            assertEquals(0755, unixMode(dest.resolve("tool")), "setuid/setgid kept on a file");
            assertEquals(0644, unixMode(dest.resolve("sticky-file")));
            assertEquals(01777, unixMode(dest.resolve("shared")), "a folder keeps sticky, loses setgid");
            assertEquals(0775, unixMode(dest.resolve("group")));
            assertEquals(true, materializer.intact(tool), "the masked file counts as intact (no endless repair)");
        }
    }

    private static void assertPrivate(StoreLayout layout) throws Exception {
        assertEquals(0700, mode(layout.stateDir()), ".ferry");
        if (Files.exists(TestChunkStores.packsDir(layout))) {
            assertEquals(0700, mode(TestChunkStores.packsDir(layout)), "packs/");
        }
        assertEquals(0700, mode(layout.tmpDir()), "tmp/");
        for (String name : List.of(StateDatabase.FILE, "store-id", "chunker", "lock")) {
            assertEquals(0600, mode(layout.stateDir().resolve(name)), name);
        }
    }

    private static int mode(Path p) throws Exception {
        return PosixModes.read(p);
    }

    private static int unixMode(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }
}
