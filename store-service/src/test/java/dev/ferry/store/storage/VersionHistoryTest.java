package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Version history over a real DEST: what a replace, delete or move takes away stays as a version whose file is the
 * old mirror file itself (no byte copied), whose chunks count as held, and which a tree at a moment shows.
 */
class VersionHistoryTest {
    @TempDir
    Path base;
    Path dest;
    StoreLayout layout;
    ChunkStore chunks;
    MirrorIndex index;
    Materializer materializer;
    VersionHistory versions;
    final AtomicLong clock = new AtomicLong(1_000_000);
    boolean indexClosed;

    @BeforeEach
    void open() throws Exception {
        dest = Files.createDirectory(base.resolve("dest"));
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
        versions = index.versions();
        versions.enable(true);
        versions.clockForTests(clock::get);
    }

    @AfterEach
    void close() throws Exception {
        if (!indexClosed) {
            index.close();
        }
        layout.close();
    }

    /** Applies a file whose chunks are stored first, as a session does: written, recorded, pack copies released. */
    private void applyFile(Manifest m, TestData.FileData data) throws Exception {
        for (byte[] p : data.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
        assertEquals(List.of(), materializer.applyFile(m));
        index.put(m);
        materializer.recorded(m);
        materializer.commitChunks();
    }

    private void apply(Manifest m) throws Exception {
        materializer.apply(m);
        index.put(m);
        materializer.commitChunks();
    }

    /** The file's bytes rebuilt from the store's chunks, each read hash-verified. */
    private byte[] fromChunks(Manifest m) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[chunks.maxChunk()];
        for (ChunkRef c : m.chunks()) {
            int n = chunks.read(c.hash(), buf);
            assertEquals(c.length(), n, "chunk " + c.hash().hex() + " is held");
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void aReplacedFileIsTheOldMirrorFileMovedAsideAndItsChunksCountAsHeld() throws Exception {
        TestData.FileData v1 = TestData.file(40_000, 16_000);
        Manifest m1 = v1.manifest("docs/a.bin", 0644, 1_000_000_000L);
        applyFile(m1, v1);
        Object inode = Files.readAttributes(dest.resolve("docs/a.bin"), BasicFileAttributes.class).fileKey();
        clock.set(2_000_000);

        TestData.FileData v2 = TestData.file(30_000, 16_000);
        applyFile(v2.manifest("docs/a.bin", 0600, 2_000_000_000L), v2);

        List<VersionHistory.Version> kept = versions.of("docs/a.bin");
        assertEquals(1, kept.size());
        VersionHistory.Version v = kept.get(0);
        assertEquals(VersionHistory.Reason.MODIFIED, v.reason());
        assertEquals(m1, v.manifest());
        assertEquals(1_000_000, v.fromMillis());
        assertEquals(2_000_000, v.toMillis());
        assertEquals(2_000_000, versions.since("docs/a.bin"));
        Path file = layout.versionsDir().resolve(VersionHistory.hex(v.number()));
        assertEquals(inode, Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey(),
                "the version is the replaced mirror file itself, not a copy");
        assertArrayEquals(v1.bytes(), Files.readAllBytes(file));
        for (ChunkRef c : m1.chunks()) {
            assertTrue(chunks.has(c.hash()), "a kept version's chunk counts as held");
            assertFalse(chunks.inPack(c.hash()), "and is in no pack");
        }
        assertArrayEquals(v1.bytes(), fromChunks(m1));
        assertArrayEquals(v2.bytes(), Files.readAllBytes(dest.resolve("docs/a.bin")));
        assertEquals(40_000, versions.bytes());
    }

    @Test
    void versionsOutliveARestart() throws Exception {
        TestData.FileData v1 = TestData.file(30_000, 16_000);
        Manifest m1 = v1.manifest("a.bin", 0644, 1L);
        applyFile(m1, v1);
        clock.set(2_000_000);
        TestData.FileData v2 = TestData.file(30_000, 16_000);
        applyFile(v2.manifest("a.bin", 0644, 2L), v2);
        List<VersionHistory.Version> kept = versions.of("a.bin");
        index.close();
        TestChunkStores.db(layout).close(); // the database as a stopped store leaves it

        try (StateDatabase db = StateDatabase.open(layout.stateDir().resolve(StateDatabase.FILE))) {
            index = new MirrorIndex(db, layout.indexFile());
            chunks = new ChunkStore(dest, db, new dev.ferry.store.storage.pack.LocalPackStore(
                    TestChunkStores.packsDir(layout)), index, index::markDamaged, chunks.maxChunk());
            versions = index.versions();
            assertArrayEquals(new long[] {0, 0}, versions.reconcile(layout.versionsDir()));
            assertEquals(kept, versions.of("a.bin"));
            assertEquals(2_000_000, versions.since("a.bin"));
            assertArrayEquals(v1.bytes(), fromChunks(m1), "the kept version's chunks are held after the restart");
            index.close();
        }
        indexClosed = true;
    }

    @Test
    void aMetadataOnlyChangeKeepsNoVersionAndKeepsSince() throws Exception {
        TestData.FileData v1 = TestData.file(20_000, 16_000);
        applyFile(v1.manifest("a.bin", 0644, 1_000_000_000L), v1);
        clock.set(5_000_000);
        applyFile(v1.manifest("a.bin", 0600, 7_000_000_000L), v1);
        assertEquals(List.of(), versions.of("a.bin"));
        assertEquals(1_000_000, versions.since("a.bin"));
        assertEquals(0, versions.count());
    }

    @Test
    void aFoldersNewTimeOrModeIsAVersionSoATreeAsOfEarlierHasTheOldOne() throws Exception {
        Manifest d1 = Manifest.directory("d", 0755, 1_000_000_000L);
        apply(d1);
        TestData.FileData a = TestData.file(5_000, 16_000);
        Manifest ma = a.manifest("d/a.txt", 0644, 1_100_000_000L);
        applyFile(ma, a);
        clock.set(2_000_000);
        Manifest d2 = Manifest.directory("d", 0750, 3_000_000_000L);
        apply(d2);

        assertEquals(1, versions.of("d").size(), "the folder's old mode and mtime are a version");
        assertEquals(List.of(), versions.of("d/a.txt"), "what the folder holds is not taken for deleted");
        List<Manifest> then = new ArrayList<>();
        new TreeAt(index, "d", 1_500_000).forEachRemaining(then::add);
        assertEquals(List.of(d1, ma), then, "the folder as it stood, with its old mode and mtime");
        List<Manifest> now = new ArrayList<>();
        new TreeAt(index, "d", 2_500_000).forEachRemaining(now::add);
        assertEquals(List.of(d2, ma), now);
    }

    @Test
    void aDeletedFolderIsKeptWholeAndTheTreeBeforeTheDeleteIsComplete() throws Exception {
        List<Manifest> before = new ArrayList<>();
        List<TestData.FileData> data = new ArrayList<>();
        Manifest d = Manifest.directory("d", 0755, 1_000_000_000L);
        apply(d);
        TestData.FileData a = TestData.file(25_000, 16_000);
        Manifest ma = a.manifest("d/a.txt", 0644, 1_100_000_000L);
        applyFile(ma, a);
        Manifest sub = Manifest.directory("d/sub", 0700, 1_200_000_000L);
        apply(sub);
        TestData.FileData b = TestData.file(10_000, 16_000);
        Manifest mb = b.manifest("d/sub/b.txt", 0600, 1_300_000_000L);
        applyFile(mb, b);
        Manifest link = Manifest.symlink("d/sub/l", 1_400_000_000L, "../a.txt");
        apply(link);
        TestData.FileData other = TestData.file(5_000, 16_000);
        applyFile(other.manifest("e.txt", 0644, 1L), other);
        before.addAll(List.of(d, ma, sub, mb, link));
        data.addAll(List.of(a, b));

        clock.set(2_000_000);
        materializer.delete("d");
        index.remove("d");
        materializer.commitChunks();
        assertTrue(Files.notExists(dest.resolve("d")));

        List<Manifest> then = new ArrayList<>();
        new TreeAt(index, "d", 1_500_000).forEachRemaining(then::add);
        assertEquals(before, then, "the folder as it stood, parents before children");
        assertFalse(new TreeAt(index, "d", 2_000_000).hasNext(), "nothing there after the delete");
        List<Manifest> whole = new ArrayList<>();
        new TreeAt(index, "", 1_500_000).forEachRemaining(whole::add);
        assertEquals(6, whole.size(), "the folder and e.txt");
        assertArrayEquals(a.bytes(), fromChunks(ma));
        assertArrayEquals(b.bytes(), fromChunks(mb));
        for (Manifest m : before) {
            VersionHistory.Version v = versions.of(m.path()).get(0);
            assertEquals(VersionHistory.Reason.DELETED, v.reason());
            assertEquals(2_000_000, v.toMillis());
        }
    }

    @Test
    void aMovedFileKeepsItsHistoryUnderTheOldPath() throws Exception {
        TestData.FileData a = TestData.file(20_000, 16_000);
        Manifest ma = a.manifest("a.bin", 0644, 1_000_000_000L);
        applyFile(ma, a);
        clock.set(3_000_000);
        assertTrue(materializer.move("a.bin", "b.bin"));
        index.rebase("a.bin", "b.bin");
        materializer.commitChunks();

        VersionHistory.Version v = versions.of("a.bin").get(0);
        assertEquals(VersionHistory.Reason.MOVED, v.reason());
        assertEquals(3_000_000, versions.since("b.bin"));
        List<String> at = new ArrayList<>();
        new TreeAt(index, "", 2_000_000).forEachRemaining(m -> at.add(m.path()));
        assertEquals(List.of("a.bin"), at);
        at.clear();
        new TreeAt(index, "", 3_000_000).forEachRemaining(m -> at.add(m.path()));
        assertEquals(List.of("b.bin"), at);
    }

    @Test
    void aLinkTargetChangeAndATypeChangeAreVersions() throws Exception {
        apply(Manifest.symlink("l", 1L, "one"));
        clock.set(2_000_000);
        apply(Manifest.symlink("l", 1L, "two"));
        clock.set(3_000_000);
        apply(Manifest.directory("l", 0755, 1L));
        List<VersionHistory.Version> kept = versions.of("l");
        assertEquals(2, kept.size());
        assertEquals("one", kept.get(0).manifest().target());
        assertEquals("two", kept.get(1).manifest().target());
        assertEquals(EntryType.SYMLINK, new TreeAt(index, "l", 2_500_000).next().type());
    }

    @Test
    void offKeepsNothing() throws Exception {
        versions.enable(false);
        TestData.FileData v1 = TestData.file(20_000, 16_000);
        Manifest m1 = v1.manifest("a.bin", 0644, 1L);
        applyFile(m1, v1);
        TestData.FileData v2 = TestData.file(20_000, 16_000);
        applyFile(v2.manifest("a.bin", 0644, 2L), v2);
        assertEquals(0, versions.count());
        assertFalse(chunks.has(m1.chunks().get(0).hash()));
        assertTrue(Files.notExists(layout.versionsDir()) || Files.list(layout.versionsDir()).findAny().isEmpty());
    }

    @Test
    void afterACrashFilesWithoutRecordsGoAndRecordsWithoutFilesGo() throws Exception {
        TestData.FileData v1 = TestData.file(20_000, 16_000);
        applyFile(v1.manifest("a.bin", 0644, 1L), v1);
        TestData.FileData v2 = TestData.file(20_000, 16_000);
        applyFile(v2.manifest("a.bin", 0644, 2L), v2);
        TestData.FileData v3 = TestData.file(20_000, 16_000);
        applyFile(v3.manifest("a.bin", 0644, 3L), v3);
        List<VersionHistory.Version> kept = versions.of("a.bin");
        assertEquals(2, kept.size());
        // A record whose file is gone, and a file no record names (a crash between the link and the commit).
        Files.delete(layout.versionsDir().resolve(VersionHistory.hex(kept.get(0).number())));
        Path orphan = layout.versionsDir().resolve(VersionHistory.hex(999_999));
        Files.write(orphan, new byte[] {1, 2, 3});

        assertArrayEquals(new long[] {1, 1}, versions.reconcile(layout.versionsDir()));

        assertTrue(Files.notExists(orphan));
        assertEquals(List.of(kept.get(1)), versions.of("a.bin"));
        ChunkHash gone = kept.get(0).manifest().chunks().get(0).hash();
        assertFalse(chunks.has(gone), "a dropped version's chunks are no longer held");
        assertNotNull(versions.get(kept.get(1).number()));
    }
}
