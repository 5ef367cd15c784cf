package dev.ferry.store.audit;

import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import dev.ferry.store.storage.ChunkStore;
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
        chunks = new ChunkStore(layout);
        index = new MirrorIndex(layout);
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
        assertTrue(Files.isDirectory(dest.resolve(".ferry/chunks")));
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
        assertEquals(2, auditor.auditNow().restored(), "a missing directory comes back with its files");
        assertArrayEquals(data.bytes(), Files.readAllBytes(report));
    }

    @Test
    void dropsWhatItCannotRestoreSoTheWatcherResendsIt() throws Exception {
        Files.delete(chunks.pathOf(file.chunks().get(1).hash()));
        Files.writeString(dest.resolve("docs/report.txt"), "damaged");
        DestAuditor.Report r = auditor.auditNow();
        assertEquals(1, r.dropped());
        assertNull(index.get("docs/report.txt"));
        assertFalse(Files.exists(dest.resolve("docs/report.txt")));
    }
}
