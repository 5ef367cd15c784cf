package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store's ignore rules: kept across restarts, and what they match leaves the index but not DEST. */
class StoreIgnoreRulesTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;

    static final IgnoreSet RULES = new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", "*.tmp\nbuild/\n")),
            List.of("cache"));

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

    private StoreIgnoreRules rules() throws Exception {
        return new StoreIgnoreRules(layout.stateDir().resolve(StoreIgnoreRules.FILE), layout.tmpDir());
    }

    private void mirror(Manifest m) throws Exception {
        materializer.apply(m);
        index.put(m);
    }

    private Manifest file(String path) throws Exception {
        TestData.FileData f = TestData.file(3000, 1000);
        for (byte[] p : f.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        return f.manifest(path, 0644, 1_000_000_000L);
    }

    @Test
    void theRulesAreKeptPrivatelyAndReadBackAfterARestart() throws Exception {
        StoreIgnoreRules r = rules();
        assertTrue(r.rules().isEmpty(), "a new store has no rules");
        assertTrue(r.replace(RULES));
        assertFalse(r.replace(RULES), "the same rules again change nothing");
        Path file = layout.stateDir().resolve(StoreIgnoreRules.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        StoreIgnoreRules reopened = rules();
        assertEquals(RULES, reopened.rules().set());
        assertTrue(reopened.rules().ignored("a/x.tmp", false));
        assertTrue(reopened.rules().ignored("cache", false));
        try (var tmp = Files.list(layout.tmpDir())) {
            assertEquals(0, tmp.count(), "no temp file is left behind");
        }
        assertTrue(r.replace(IgnoreSet.NONE));
        assertTrue(rules().rules().isEmpty(), "no rules is a state too, kept like any other");
    }

    @Test
    void aDamagedRulesFileStopsTheStartRatherThanForgettingWhatItProtects() throws Exception {
        Path file = layout.stateDir().resolve(StoreIgnoreRules.FILE);
        Files.writeString(file, "{\"files\":[{\"dir\":\"\",\"text\":");
        StoreOpenException e = assertThrows(StoreOpenException.class, this::rules);
        assertTrue(e.getMessage().contains("remove it"), e.getMessage());
        Files.writeString(file, "{\"files\":[{\"dir\":\"../up\",\"text\":\"x\"}]}");
        assertThrows(StoreOpenException.class, this::rules);
    }

    @Test
    void newRulesForgetTheEntriesTheyMatchDurablyAndLeaveDestAlone() throws Exception {
        Manifest keep = file("keep.txt");
        Manifest tmp = file("notes.tmp");
        Manifest build = Manifest.directory("build", 0755, 1_000_000_000L);
        Manifest out = file("build/out.o");
        Manifest deep = file("src/cache");
        for (Manifest m : List.of(keep, tmp, build, out, Manifest.directory("src", 0755, 1L), deep)) {
            mirror(m);
        }
        index.flush();
        StoreIgnoreRules r = rules();
        r.replace(RULES);
        assertEquals(4, r.forgetIgnored(index), "notes.tmp, build with build/out.o, src/cache");
        index.flush();
        assertNotNull(index.get("keep.txt"));
        assertNotNull(index.get("src"));
        for (String gone : List.of("notes.tmp", "build", "build/out.o", "src/cache")) {
            assertNull(index.get(gone), gone);
            assertTrue(Files.exists(dest.resolve(gone)), gone + " stays in DEST");
        }
        index.close();
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        assertNull(index.get("build/out.o"), "forgetting is journaled");
        assertNotNull(index.get("keep.txt"));
        assertEquals(dev.ferry.protocol.RootDigest.of(java.util.Map.of(
                "keep.txt", keep.digest(), "src", index.digestOf("src"))), index.rootDigest(),
                "the index now equals what a watcher with these rules lists");
    }

    @Test
    void noRulesHeardIsNotNoRules() throws Exception {
        StoreIgnoreRules fresh = rules();
        assertFalse(fresh.known(), "a store that never heard its source's rules does not know them");
        assertTrue(fresh.replace(IgnoreSet.NONE), "the first hello's rules are news even when there are none");
        assertTrue(fresh.known());
        assertFalse(fresh.replace(IgnoreSet.NONE));
        assertTrue(rules().known(), "\"no rules\" is kept for the next start");
    }
}
