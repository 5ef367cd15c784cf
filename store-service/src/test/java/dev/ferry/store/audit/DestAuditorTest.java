package dev.ferry.store.audit;

import dev.ferry.protocol.Manifest;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DestAuditorTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;
    DestAuditor auditor;
    TestData.FileData data;
    Manifest file;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
        auditor = new DestAuditor(layout, index, materializer, new ApplyExecutor(), new StoreStats(), true);
        data = TestData.file(5000, 2000);
        for (byte[] p : data.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        Manifest dir = Manifest.directory("docs", 0755, 3_000_000_000L);
        file = data.manifest("docs/report.txt", 0640, 4_000_000_123L);
        materializer.applyDirectory(dir);
        index.put(dir);
        materializer.applyFile(file);
        index.put(file);
        Manifest link = Manifest.symlink("latest", 1L, "docs/report.txt");
        materializer.applySymlink(link);
        index.put(link);
        materializer.finishDirectories();
        assertEquals(0, auditor.auditNow().total(), "a clean mirror needs nothing");
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    @Test
    void removesForeignEntriesButNeverTheStoreState() throws Exception {
        Files.writeString(dest.resolve("intruder.txt"), "x");
        Files.createDirectories(dest.resolve("docs/new/deeper"));
        Files.createSymbolicLink(dest.resolve("docs/link"), Path.of("/etc"));
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(3, r.removed());
        assertFalse(Files.exists(dest.resolve("intruder.txt")));
        assertFalse(Files.exists(dest.resolve("docs/new")));
        assertFalse(Files.exists(dest.resolve("docs/link"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(dest.resolve(".ferry/packs")));
        assertTrue(Files.isRegularFile(dest.resolve(".ferry/state.mv.db")));
        assertTrue(materializer.intact(index.get("docs")), "the directory mtime is restored");
    }

    @Test
    void restoresDamagedAndMissingEntries() throws Exception {
        Path report = dest.resolve("docs/report.txt");
        Files.writeString(report, "scribbled over");
        Files.delete(dest.resolve("latest"));
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(2, r.restored());
        assertArrayEquals(data.bytes(), Files.readAllBytes(report));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(report)));
        assertEquals(4_000_000_123L, Files.getLastModifiedTime(report).to(TimeUnit.NANOSECONDS));
        assertEquals("docs/report.txt", Files.readSymbolicLink(dest.resolve("latest")).toString());

        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertEquals(1, auditor.auditNow().restored(), "a wrong mode is damage too");

        Files.delete(dest.resolve("docs/report.txt"));
        Files.delete(dest.resolve("docs"));
        // Issue 12: once rebuilt, the mirror file holds its chunks once (no pack copy); deleted by someone else, it
        // cannot be rebuilt here: it leaves the index, so the root digest differs and the watcher sends it again.
        DestAuditor.Report gone = auditor.auditNow();
        assertEquals(1, gone.restored(), "the missing directory comes back: " + gone);
        assertEquals(1, gone.dropped(), "the file is dropped for the watcher to resend: " + gone);
        assertTrue(Files.isDirectory(dest.resolve("docs")));
        assertNull(index.get("docs/report.txt"));
    }

    @Test
    void aMissingDirectoryComesBackWithItsFilesWhileTheirChunksAreInPacks() throws Exception {
        Path report = dest.resolve("docs/report.txt");
        Files.delete(report);
        Files.delete(dest.resolve("docs"));
        assertEquals(2, auditor.auditNow().restored(), "a missing directory comes back with its files");
        assertArrayEquals(data.bytes(), Files.readAllBytes(report));
    }

    @Test
    void dropsAMissingFileItCannotRestoreSoTheWatcherResendsIt() throws Exception {
        chunks.delete(file.chunks().get(1).hash());
        Files.delete(dest.resolve("docs/report.txt"));
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(1, r.dropped());
        assertTrue(r.clean(), "DEST and the index agree again: both lack it");
        assertNull(index.get("docs/report.txt"));
    }

    /** Issue 11 item 7b: a file whose chunks are gone may be the last good copy; only its metadata is restored. */
    @Test
    void aFileWithChangedMetadataAndAMissingChunkKeepsItsBytesAndGetsItsMetadataBack() throws Exception {
        Path report = dest.resolve("docs/report.txt");
        chunks.delete(file.chunks().get(1).hash());
        Files.setPosixFilePermissions(report, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.setLastModifiedTime(report, java.nio.file.attribute.FileTime.fromMillis(1_000));
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(1, r.restored(), r.toString());
        assertEquals(0, r.dropped(), r.toString());
        assertArrayEquals(data.bytes(), Files.readAllBytes(report), "the only copy of these bytes is kept");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(report)));
        assertEquals(4_000_000_123L, Files.getLastModifiedTime(report).to(TimeUnit.NANOSECONDS));
        assertEquals(file.digest(), index.digestOf("docs/report.txt"));
        assertTrue(materializer.intact(file));
        assertTrue(r.clean());
    }

    /** Issue 11 item 7b: changed bytes that cannot be rebuilt are left, reported, and asked for again. */
    @Test
    void aChangedFileThatCannotBeRebuiltIsLeftInPlaceAndMarkedForTheWatcher() throws Exception {
        Path report = dest.resolve("docs/report.txt");
        byte[] chunk = data.pieces().get(1);
        chunks.delete(file.chunks().get(1).hash());
        Files.writeString(report, "edited in DEST");
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(1, r.damaged(), r.toString());
        assertEquals(0, r.dropped(), r.toString());
        assertFalse(r.clean());
        assertTrue(r.problem().contains("docs/report.txt"), r.problem());
        assertEquals("edited in DEST", Files.readString(report), "never deleted");
        assertEquals(MirrorIndex.DAMAGED, index.digestOf("docs/report.txt"), "a reconcile asks the watcher for it");
        assertEquals("edited in DEST", Files.readString(report));
        assertEquals(0, auditor.auditNow().dropped(), "a later audit does not delete it either");
        assertEquals("edited in DEST", Files.readString(report));

        index.close();
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        assertTrue(index.damaged("docs/report.txt"), "the mark survives a restart");
        index.close();
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        materializer = new Materializer(layout, chunks, index);
        auditor = new DestAuditor(layout, index, materializer, new ApplyExecutor(), new StoreStats(), true);

        chunks.put(file.chunks().get(1).hash(), chunk, 0, chunk.length);
        DestAuditor.Report again = auditor.auditNow();
        assertEquals(1, again.restored(), again.toString());
        assertTrue(again.clean());
        assertArrayEquals(data.bytes(), Files.readAllBytes(report), "rebuilt once its chunks are back");
        assertEquals(file.digest(), index.digestOf("docs/report.txt"));
    }

    /** Issue 11 item 7a: one entry it may not remove (lost+found at a mount root) no longer stops every audit. */
    @Test
    void aForeignEntryItCannotRemoveIsCountedAndSkipped() throws Exception {
        StoreStats stats = new StoreStats();
        Materializer refusing = new Materializer(layout, chunks, index) {
            @Override
            public void deleteForeign(Path relative) throws java.io.IOException {
                if (relative.toString().equals("lost+found")) {
                    throw new java.nio.file.AccessDeniedException(dest.resolve(relative).toString());
                }
                super.deleteForeign(relative);
            }
        };
        auditor = new DestAuditor(layout, index, refusing, new ApplyExecutor(), stats, true);
        Files.createDirectories(dest.resolve("lost+found"));
        Files.writeString(dest.resolve("intruder.txt"), "x");
        Files.writeString(dest.resolve("docs/report.txt"), "scribbled over");
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(1, r.unremovable(), r.toString());
        assertEquals(1, r.removed(), r.toString());
        assertEquals(1, r.restored(), "the rest of the audit goes on: " + r);
        assertFalse(Files.exists(dest.resolve("intruder.txt")));
        assertArrayEquals(data.bytes(), Files.readAllBytes(dest.resolve("docs/report.txt")));
        assertEquals(1, stats.auditUnremovable());
        assertTrue(r.problem().contains("lost+found"), r.problem());

        Files.writeString(dest.resolve("later.txt"), "y");
        DestAuditor.Report next = auditor.auditNow();
        assertEquals(1, next.removed(), "later passes are not stopped either: " + next);
        assertFalse(Files.exists(dest.resolve("later.txt")));
        assertTrue(auditor.destProblem().contains("lost+found"), "a check is not in sync while it is there");
    }

    /** Issue 11 item 1: the check walks DEST until an audit found it clean, and again after an invalidation. */
    @Test
    void theChecksVerdictWalksDestOnlyWhenSomethingCouldHaveChanged() throws Exception {
        auditor.invalidate();
        Files.writeString(dest.resolve("foreign.txt"), "x");
        Files.createDirectories(dest.resolve("old/copy"));
        assertNull(auditor.destProblem());
        assertFalse(Files.exists(dest.resolve("foreign.txt")), "removed before the verdict");
        assertFalse(Files.exists(dest.resolve("old")));

        Files.writeString(dest.resolve("after.txt"), "x");
        assertNull(auditor.destProblem(), "verified clean, nothing of the store's changed since: no walk");
        assertTrue(Files.exists(dest.resolve("after.txt")), "no walk happened");
        auditor.invalidate();
        assertNull(auditor.destProblem());
        assertFalse(Files.exists(dest.resolve("after.txt")));
    }

    /** With the periodic auditor off, a check still walks DEST before it answers. */
    @Test
    void aStoreWithTheAuditorOffStillAuditsForACheck() throws Exception {
        auditor = new DestAuditor(layout, index, materializer, new ApplyExecutor(), new StoreStats(), false);
        Files.writeString(dest.resolve("foreign.txt"), "x");
        assertNull(auditor.destProblem());
        assertFalse(Files.exists(dest.resolve("foreign.txt")));
    }
}
