package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaterializerTest {
    @TempDir
    Path base;
    Path dest;
    Path outside;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;

    @BeforeEach
    void open() throws Exception {
        dest = Files.createDirectory(base.resolve("dest"));
        outside = Files.createDirectory(base.resolve("outside"));
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

    private Manifest stored(String path, int size, int mode, long mtime) throws Exception {
        TestData.FileData f = TestData.file(size, 1000);
        for (byte[] p : f.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        Files.write(base.resolve("expected-" + path.replace('/', '_')), f.bytes());
        return f.manifest(path, mode, mtime);
    }

    @Test
    void writesAFileWithBytesModeAndMtime() throws Exception {
        long mtime = 1_650_000_000_123_456_789L;
        Manifest m = stored("bin/tool", 2500, 0755, mtime);
        assertEquals(List.of(), materializer.applyFile(m));
        Path p = dest.resolve("bin/tool");
        assertArrayEquals(Files.readAllBytes(base.resolve("expected-bin_tool")), Files.readAllBytes(p));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
        assertEquals(mtime, Files.getLastModifiedTime(p).to(TimeUnit.NANOSECONDS));
        assertTrue(materializer.intact(m));
        Manifest empty = Manifest.file("empty", 0600, mtime, 0, List.of());
        assertEquals(List.of(), materializer.applyFile(empty));
        assertEquals(0, Files.size(dest.resolve("empty")));
    }

    @Test
    void reportsLackingChunksInsteadOfWriting() throws Exception {
        TestData.FileData f = TestData.file(3000, 1000);
        Manifest m = f.manifest("x", 0644, 1L);
        assertEquals(3, materializer.applyFile(m).size());
        assertFalse(Files.exists(dest.resolve("x")));
    }

    @Test
    void aSymlinkInDestPointingOutsideIsReplacedNotFollowed() throws Exception {
        Files.createSymbolicLink(dest.resolve("link"), outside);
        Files.createSymbolicLink(dest.resolve("dirlink"), outside);
        Manifest m = stored("link/x", 1500, 0644, 5_000_000_000L);
        assertEquals(List.of(), materializer.applyFile(m));
        assertTrue(Files.isDirectory(dest.resolve("link"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(dest.resolve("link/x"), LinkOption.NOFOLLOW_LINKS));
        materializer.applyDirectory(Manifest.directory("dirlink/sub", 0755, 1L));
        materializer.applySymlink(Manifest.symlink("dirlink/sub/l", 1L, "../../etc"));
        assertThrows(ProtocolException.class, () -> materializer.delete("dirlink/../outside"));
        try (var s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing was written outside DEST");
        }
        Files.writeString(outside.resolve("keep"), "keep");
        Files.createSymbolicLink(dest.resolve("other"), outside);
        materializer.delete("other/keep");
        materializer.delete("other");
        assertTrue(Files.exists(outside.resolve("keep")), "a delete never follows a link");
        assertFalse(Files.exists(dest.resolve("other"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void linksPlantedAtTheFinalNameAreReplacedNeverWrittenThrough() throws Exception {
        Path victim = Files.writeString(outside.resolve("victim"), "outside");
        Path victimDir = Files.createDirectory(outside.resolve("victim-dir"));
        Files.writeString(victimDir.resolve("keep"), "keep");
        long before = Files.getLastModifiedTime(victimDir).toMillis();
        Files.createSymbolicLink(dest.resolve("file-link"), victim);
        Files.createSymbolicLink(dest.resolve("dir-link"), victimDir);
        Files.createSymbolicLink(dest.resolve("del-link"), victimDir);
        Files.createSymbolicLink(dest.resolve("move-link"), victimDir);

        assertEquals(List.of(), materializer.applyFile(stored("file-link", 1200, 0600, 1L)));
        materializer.applyDirectory(Manifest.directory("dir-link", 0700, 2_000_000_000L));
        materializer.applySymlink(Manifest.symlink("dir-link/inner", 1L, "/etc/passwd"));
        materializer.delete("del-link");
        assertTrue(materializer.move("move-link", "moved-link"));

        assertEquals("outside", Files.readString(victim), "a file upsert replaces the link, not its target");
        assertTrue(Files.isRegularFile(dest.resolve("file-link"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isDirectory(dest.resolve("dir-link"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(dest.resolve("moved-link")), "a move renames the link itself");
        assertFalse(Files.exists(dest.resolve("del-link"), LinkOption.NOFOLLOW_LINKS));
        try (var s = Files.list(victimDir)) {
            assertEquals(List.of(victimDir.resolve("keep")), s.toList());
        }
        assertEquals("keep", Files.readString(victimDir.resolve("keep")));
        assertEquals(before, Files.getLastModifiedTime(victimDir).toMillis(), "no mode or time set through a link");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(victimDir)));
    }

    @Test
    void aNameTheFileSystemResolvesToTheStateFolderIsRefused() throws Exception {
        // A bind mount makes "alias" the very same directory as .ferry, as a case-folding or short-name file
        // system would for ".FERRY" or "FERRY~1": the check goes by device and inode, not by name.
        Path alias = Files.createDirectory(dest.resolve("alias"));
        Process mount = new ProcessBuilder("mount", "--bind", layout.stateDir().toString(), alias.toString())
                .redirectErrorStream(true).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mount.waitFor() == 0, "needs mount --bind (root)");
        try {
            Materializer fresh = new Materializer(layout, chunks, index);
            for (String path : List.of("alias", "alias/x", "alias/tmp/y")) {
                ProtocolException e = assertThrows(ProtocolException.class,
                        () -> fresh.applyDirectory(Manifest.directory(path, 0777, 1L)), path);
                assertEquals("bad-path", e.code());
                assertThrows(ProtocolException.class, () -> fresh.applyFile(stored(path, 10, 0644, 1L)), path);
                assertThrows(ProtocolException.class, () -> fresh.delete(path), path);
            }
            assertThrows(ProtocolException.class, () -> fresh.move("alias", "elsewhere"));
            assertTrue(Files.isDirectory(layout.tmpDir()));
            assertTrue(Files.isRegularFile(layout.stateDir().resolve("store-id")));
        } finally {
            new ProcessBuilder("umount", alias.toString()).start().waitFor();
        }
    }

    @Test
    void namesOnlyWindowsForbidsStayPlainNamesInsideDest() throws Exception {
        for (String name : List.of("CON", "nul.txt", "C:x", "a\\b", "trailing.", "COM1", "\u00e9t\u00e9", "e\u0301t\u00e9")) {
            assertEquals(List.of(), materializer.applyFile(stored(name, 50, 0644, 1L)), name);
            assertTrue(Files.isRegularFile(dest.resolve(name), LinkOption.NOFOLLOW_LINKS), name);
        }
        assertTrue(Files.exists(dest.resolve("\u00e9t\u00e9")) && Files.exists(dest.resolve("e\u0301t\u00e9")),
                "NFC and NFD spellings are two entries on Linux, each its own file");
        try (var s = Files.list(base)) {
            assertEquals(2, s.filter(p -> !p.getFileName().toString().startsWith("expected-")).count(), "only dest and outside");
        }
    }

    @Test
    void aFolderMovedOntoAFileReplacesIt() throws Exception {
        Files.createDirectories(dest.resolve("src-dir/inner"));
        Files.writeString(dest.resolve("target-file"), "in the way");
        assertTrue(materializer.move("src-dir", "target-file"), "found by the fuzz test: rename cannot put a folder over a file");
        assertTrue(Files.isDirectory(dest.resolve("target-file/inner"), LinkOption.NOFOLLOW_LINKS));
        assertFalse(Files.exists(dest.resolve("src-dir")));
    }

    @Test
    void failureReasonsNameTheCodeWithoutStorePaths() {
        assertTrue(Materializer.failureReason(new java.nio.file.FileSystemException("/srv/dest/x", null, "Invalid argument"))
                .startsWith("bad-path: "));
        assertTrue(Materializer.failureReason(new java.nio.file.FileSystemException("/srv/dest/x", null, "File name too long"))
                .startsWith("bad-path: "));
        String io = Materializer.failureReason(new java.nio.file.AccessDeniedException("/srv/dest/secret"));
        assertTrue(io.startsWith("io-error: AccessDeniedException") && !io.contains("/srv"), io);
    }

    @Test
    void symlinksKeepTheirExactTargetAndReplaceWhatIsThere() throws Exception {
        Files.createDirectories(dest.resolve("l/inner"));
        materializer.applySymlink(Manifest.symlink("l", 1L, "../../../etc/passwd"));
        assertTrue(Files.isSymbolicLink(dest.resolve("l")));
        assertEquals("../../../etc/passwd", Files.readSymbolicLink(dest.resolve("l")).toString());
    }

    @Test
    void directoriesReplaceFilesAndMovesRename() throws Exception {
        Files.writeString(dest.resolve("d"), "was a file");
        Manifest d = Manifest.directory("d", 0750, 7_000_000_000L);
        materializer.applyDirectory(d);
        index.put(d);
        Manifest f = stored("d/f", 100, 0644, 1L);
        materializer.applyFile(f);
        materializer.finishDirectories();
        assertTrue(materializer.intact(d), "the directory mtime is restored after a child changed it");
        assertTrue(materializer.move("d", "e"));
        assertTrue(Files.isRegularFile(dest.resolve("e/f")));
        assertFalse(Files.exists(dest.resolve("d")));
        assertThrows(ProtocolException.class, () -> materializer.move("e", "e/inside"));
    }

    @Test
    void refusesBadPaths() {
        for (String bad : List.of("../x", "/etc/passwd", ".ferry/x", "a/../../b", "a\u0000b", "")) {
            assertThrows(ProtocolException.class, () -> materializer.applyDirectory(Manifest.directory(bad, 0755, 1L)), bad);
        }
        assertFalse(Files.exists(base.resolve("x")));
        assertFalse(Files.exists(dest.resolve(".ferry/x")));
    }

    @Test
    void corruptChunkIsNeverWrittenIntoAFile() throws Exception {
        Manifest m = stored("c", 2000, 0644, 1L);
        ChunkHash first = m.chunks().get(0).hash();
        TestChunkStores.corruptPackRecord(layout, chunks, first);
        assertEquals(List.of(first), materializer.applyFile(m));
        assertFalse(Files.exists(dest.resolve("c")));
    }

    @Test
    void aWrittenFileIsFsyncedInTmpAndOnlyInstallPutsItUnderItsName() throws Exception {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Path> finalName = new java.util.concurrent.atomic.AtomicReference<>();
        Materializer watched = new Materializer(dest, layout.tmpDir(), chunks, index, (ch, file) -> {
            assertFalse(Files.exists(finalName.get()), "nothing under the final name before the fsync");
            ch.force(true);
            events.add("fsync " + file.getFileName());
        });
        Manifest m = stored("w/file.bin", 5500, 0640, 1_234_567_890_123L);
        finalName.set(dest.resolve("w/file.bin"));
        Materializer.Written w = watched.write(m);
        assertEquals(List.of(), w.lacking());
        assertEquals(List.of("fsync " + w.tmp().getFileName()), events);
        assertTrue(w.tmp().startsWith(layout.tmpDir()));
        assertFalse(Files.exists(dest.resolve("w")), "writing touches nothing of the mirror");
        assertArrayEquals(Files.readAllBytes(base.resolve("expected-w_file.bin")), Files.readAllBytes(w.tmp()));

        watched.install(m, w);
        assertArrayEquals(Files.readAllBytes(base.resolve("expected-w_file.bin")), Files.readAllBytes(dest.resolve("w/file.bin")));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest.resolve("w/file.bin"))));
        assertFalse(Files.exists(w.tmp()));

        finalName.set(dest.resolve("w/other.bin"));
        Materializer.Written dropped = watched.write(m.withPath("w/other.bin"));
        watched.discard(dropped);
        assertFalse(Files.exists(dropped.tmp()));
        assertFalse(Files.exists(dest.resolve("w/other.bin")));

        Manifest missing = Manifest.file("w/missing.bin", 0644, 1L, 3, List.of(new dev.ferry.protocol.ChunkRef(TestData.hash(new byte[] {1, 2, 3}), 3)));
        Materializer.Written lacking = watched.write(missing);
        assertEquals(null, lacking.tmp());
        assertEquals(1, lacking.lacking().size());
    }
}
