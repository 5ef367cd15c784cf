package dev.ferry.store.audit;

import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.TestChunkStores;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.sync.StoreStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The audit and the source's ignore rules: what they match in DEST is not the store's to remove or restore. */
class DestAuditorIgnoreTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;
    DestAuditor auditor;
    final AtomicReference<IgnoreRules> rules = new AtomicReference<>(IgnoreRules.of(
            new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", "*.o\nbuild/\n")), List.of())));

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
        auditor = new DestAuditor(layout, index, materializer, new ApplyExecutor(), new StoreStats(), true, rules::get);
        Manifest src = Manifest.directory("src", 0755, 3_000_000_000L);
        materializer.applyDirectory(src);
        index.put(src);
        materializer.finishDirectories();
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    @Test
    void foreignIgnoredEntriesAreLeftAloneAndAreNoProblem() throws Exception {
        Files.writeString(dest.resolve("src/main.o"), "object");
        Files.createDirectories(dest.resolve("build/classes"));
        Files.writeString(dest.resolve("build/classes/A.class"), "class");
        // An ignored folder is not even entered: one the store cannot read costs nothing.
        Path locked = Files.createDirectories(dest.resolve("build/locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.writeString(dest.resolve("src/intruder.c"), "not ignored");
        try {
            DestAuditor.Report r = auditor.auditNow();
            assertEquals(1, r.removed(), "only src/intruder.c");
            assertTrue(r.clean(), "ignored entries are no problem: " + r.problem());
            assertNull(r.problem());
            assertEquals("object", Files.readString(dest.resolve("src/main.o")));
            assertEquals("class", Files.readString(dest.resolve("build/classes/A.class")));
            assertFalse(Files.exists(dest.resolve("src/intruder.c")));
            assertNull(auditor.destProblem(), "a check finds DEST a mirror");
        } finally {
            if (Files.exists(locked)) {
                Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
            }
        }
    }

    @Test
    void aForeignFolderHoldingIgnoredEntriesIsKeptWithThemAndItsOtherContentGoes() throws Exception {
        Files.createDirectories(dest.resolve("tools/sub/empty"));
        Files.writeString(dest.resolve("tools/sub/helper.o"), "object");
        Files.writeString(dest.resolve("tools/readme.txt"), "foreign");
        Files.createDirectories(dest.resolve("junk/deeper"));
        Files.writeString(dest.resolve("junk/deeper/x.txt"), "foreign");
        DestAuditor.Report r = auditor.auditNow();
        assertTrue(r.clean(), String.valueOf(r.problem()));
        assertEquals("object", Files.readString(dest.resolve("tools/sub/helper.o")));
        assertFalse(Files.exists(dest.resolve("tools/readme.txt")));
        assertFalse(Files.exists(dest.resolve("tools/sub/empty")), "an empty foreign folder goes");
        assertFalse(Files.exists(dest.resolve("junk")), "a foreign folder without ignored content goes whole");
        assertEquals(0, auditor.auditNow().total(), "a later audit keeps the folder that holds ignored content");
        assertTrue(Files.isDirectory(dest.resolve("tools/sub")));
    }

    @Test
    void anIgnoredEntryStillInTheIndexIsNeverRestoredOverWhatDestHolds() throws Exception {
        TestData.FileData f = TestData.file(3000, 1000);
        for (byte[] p : f.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        Manifest o = f.manifest("src/old.o", 0644, 1_000_000_000L);
        materializer.applyFile(o);
        index.put(o);
        Files.writeString(dest.resolve("src/old.o"), "rebuilt locally");
        auditor.auditNow();
        assertArrayEquals("rebuilt locally".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                Files.readAllBytes(dest.resolve("src/old.o")), "an ignored entry is not the mirror's to restore");
        rules.set(null);
        auditor.auditNow();
        assertArrayEquals(f.bytes(), Files.readAllBytes(dest.resolve("src/old.o")), "without rules it is mirror content");
    }

    @Test
    void beforeTheRulesAreHeardNothingOutsideTheIndexIsRemoved() throws Exception {
        // A store started on a DEST holding the build box's own output, before any watcher said which rules keep it.
        rules.set(null);
        Files.createDirectories(dest.resolve("build"));
        Files.writeString(dest.resolve("build/app.bin"), "built on the store's machine");
        Files.writeString(dest.resolve("src/intruder.c"), "not ignored, but not known to be foreign yet");
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(0, r.removed());
        assertEquals("built on the store's machine", Files.readString(dest.resolve("build/app.bin")));
        assertTrue(Files.exists(dest.resolve("src/intruder.c")));

        // The hello brings the rules: what they ignore stays, the rest goes.
        rules.set(IgnoreRules.of(new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", "build/\n")), List.of())));
        assertEquals(1, auditor.auditNow().removed());
        assertEquals("built on the store's machine", Files.readString(dest.resolve("build/app.bin")));
        assertFalse(Files.exists(dest.resolve("src/intruder.c")));
    }
}
