package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deleting a folder keeps what the ignore rules match below it, and the folders leading there. */
class MaterializerIgnoreTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;
    static final IgnoreRules RULES = IgnoreRules.of(new IgnoreSet(
            List.of(new IgnoreSet.IgnoreFile("", "*.o\n"), new IgnoreSet.IgnoreFile("app", "/local/\n")), List.of()));

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    private void tree() throws Exception {
        Files.createDirectories(dest.resolve("app/src/deep"));
        Files.createDirectories(dest.resolve("app/local/cfg"));
        Files.createDirectories(dest.resolve("app/other"));
        Files.writeString(dest.resolve("app/src/a.c"), "c");
        Files.writeString(dest.resolve("app/src/deep/b.o"), "o");
        Files.writeString(dest.resolve("app/local/cfg/x"), "local");
        Files.writeString(dest.resolve("app/other/y.c"), "c");
        Files.createSymbolicLink(dest.resolve("app/link.o"), Path.of("/etc"));
    }

    @Test
    void aFolderDeleteKeepsIgnoredEntriesAndTheFoldersLeadingToThem() throws Exception {
        tree();
        assertTrue(materializer.delete("app", RULES));
        assertEquals("o", Files.readString(dest.resolve("app/src/deep/b.o")));
        assertEquals("local", Files.readString(dest.resolve("app/local/cfg/x")), "an ignored folder stays whole");
        assertTrue(Files.isSymbolicLink(dest.resolve("app/link.o")), "an ignored link stays, never followed");
        assertFalse(Files.exists(dest.resolve("app/src/a.c")));
        assertFalse(Files.exists(dest.resolve("app/other")), "a folder without ignored content goes whole");
        assertTrue(Files.exists(Path.of("/etc")));
    }

    @Test
    void withoutRulesAFolderDeleteRemovesEverything() throws Exception {
        tree();
        assertFalse(materializer.delete("app", IgnoreRules.none()));
        assertFalse(Files.exists(dest.resolve("app"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aFileUpsertWhereAKeptFolderStandsWins() throws Exception {
        tree();
        materializer.delete("app", RULES);
        TestData.FileData f = TestData.file(2500, 1000);
        for (byte[] p : f.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        Manifest file = f.manifest("app", 0644, 1_000_000_000L);
        assertTrue(materializer.applyFile(file).isEmpty());
        assertArrayEquals(f.bytes(), Files.readAllBytes(dest.resolve("app")), "the source's file replaces the folder");
    }
}
