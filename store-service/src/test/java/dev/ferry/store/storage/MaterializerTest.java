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
        chunks = new ChunkStore(layout);
        index = new MirrorIndex(layout);
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
        Files.write(chunks.pathOf(first), new byte[] {1, 2, 3});
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
