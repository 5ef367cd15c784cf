package dev.ferry.watcher.restore;

import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Manifest;
import dev.ferry.watcher.store.StoreAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The restore writer against a fake store over real HTTP, with real files: a tree comes back byte-exact with its
 * folders, links, modes and mtimes; chunks local files hold are not fetched; bad paths are refused; nothing in
 * TARGET is deleted, and a differing file is replaced only when asked.
 */
class TreeRestorerTest {
    @TempDir
    Path tmp;
    private FakeVersionStore store;
    private VersionStore client;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws IOException {
        store = new FakeVersionStore();
        client = new VersionStore(StoreAddress.parse(store.url()), Optional.empty(), null);
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private RestoreReport restore(Path target, String dir, Path sourceDir, boolean overwrite) throws Exception {
        return restore(target, dir, sourceDir, overwrite, TreeRestorer.WRITERS);
    }

    private RestoreReport restore(Path target, String dir, Path sourceDir, boolean overwrite, int writers)
            throws Exception {
        TreeRestorer restorer = new TreeRestorer(target, dir, sourceDir, overwrite, false, writers, client,
                new FastCdc(), new PrintStream(err, true, StandardCharsets.UTF_8));
        try (InputStream listing = client.tree(dir, Optional.empty())) {
            return restorer.restore(listing);
        }
    }

    @Test
    void aTreeComesBackByteExactWithFoldersLinksModesAndMtimes() throws Exception {
        Path orig = tmp.resolve("orig");
        makeTree(orig);
        store.addTree(orig, "");
        Path target = tmp.resolve("restored");

        RestoreReport report = restore(target, "", null, false);

        assertTrue(report.complete(), err.toString(StandardCharsets.UTF_8));
        assertSameTree(orig, target);
        assertEquals(6, report.files());
        assertEquals(4, report.folders());
        assertEquals(2, report.links());
        long chunkBytes = store.chunks.values().stream().mapToLong(b -> b.length).sum();
        long fileBytes = 700 * 1024 + 300 * 1024 + 18 + 17 + 11;
        // twice.bin shares its first chunks with big.bin: fetched once when one is written before the other.
        assertTrue(report.bytesDownloaded() >= chunkBytes && report.bytesDownloaded() <= fileBytes, report.line());
        assertEquals(fileBytes, report.bytesDownloaded() + report.bytesReused(), report.line());
        assertEquals(fileBytes, report.bytesWritten(), report.line());
        assertTrue(report.line().startsWith("restored 12 entries (6 files, 4 folders, 2 links) in "), report.line());
        try (Stream<Path> all = Files.walk(target)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith(".ferry-restore-")), "temp files left");
        }
    }

    @Test
    void chunksThatLocalFilesHoldAreNotFetched() throws Exception {
        byte[] now = random(2 << 20, 7);
        Path orig = tmp.resolve("orig");
        Files.createDirectories(orig);
        Files.write(orig.resolve("big.bin"), now);
        store.addTree(orig, "");
        int chunks = store.chunks.size();
        assertTrue(chunks >= 8, "a file of many chunks: " + chunks);
        byte[] older = now.clone();
        Arrays.fill(older, 1 << 20, (1 << 20) + 100, (byte) 0); // an edit in the middle touches one or two chunks

        // From the file at the same path under TARGET (replaced: --overwrite).
        Path target = tmp.resolve("target");
        Files.createDirectories(target);
        Files.write(target.resolve("big.bin"), older);
        RestoreReport fromTarget = restore(target, "", null, true);
        assertArrayEquals(now, Files.readAllBytes(target.resolve("big.bin")));
        assertTrue(store.chunkGets.get() <= 3, "fetched " + store.chunkGets.get() + " of " + chunks + " chunks");
        assertTrue(fromTarget.bytesReused() > now.length - (600 << 10), fromTarget.line());
        assertEquals(now.length, fromTarget.bytesReused() + fromTarget.bytesDownloaded());

        // From the file at the same path under SOURCE, into an empty TARGET.
        store.chunkGets.set(0);
        Path source = tmp.resolve("source");
        Files.createDirectories(source);
        Files.write(source.resolve("big.bin"), older);
        Path elsewhere = tmp.resolve("elsewhere");
        RestoreReport fromSource = restore(elsewhere, "", source, false);
        assertArrayEquals(now, Files.readAllBytes(elsewhere.resolve("big.bin")));
        assertTrue(store.chunkGets.get() <= 3, "fetched " + store.chunkGets.get() + " of " + chunks + " chunks");
        assertTrue(fromSource.complete());
        assertArrayEquals(older, Files.readAllBytes(source.resolve("big.bin")), "SOURCE is only read");

        // The same content already in place: nothing written, nothing fetched.
        store.chunkGets.set(0);
        RestoreReport again = restore(elsewhere, "", null, false);
        assertTrue(again.complete(), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, store.chunkGets.get());
        assertEquals(0, again.bytesWritten());
    }

    @Test
    void aChunkThisRestoreAlreadyWroteIsReadBackNotFetchedAgain() throws Exception {
        Path orig = tmp.resolve("orig");
        Files.createDirectories(orig);
        byte[] bytes = random(600 << 10, 3);
        Files.write(orig.resolve("a.bin"), bytes);
        Files.write(orig.resolve("b.bin"), bytes); // a copy: its chunks are all in a.bin by then
        store.addTree(orig, "");
        Path target = tmp.resolve("target");

        RestoreReport report = restore(target, "", null, false, 1);

        assertArrayEquals(bytes, Files.readAllBytes(target.resolve("b.bin")));
        assertEquals(store.chunks.size(), store.chunkGets.get(), "each chunk fetched once");
        assertEquals(bytes.length, report.bytesDownloaded());
        assertEquals(bytes.length, report.bytesReused());
    }

    /** {@code count} files of 1-3 KiB (one chunk each) in 4 folders under {@code root}; returns their bytes. */
    private static List<byte[]> smallFiles(Path root, int count) throws IOException {
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Path dir = root.resolve("d" + (i % 4));
            Files.createDirectories(dir);
            byte[] bytes = random(1024 + (i * 37) % 2048, 1000 + i);
            Files.write(dir.resolve("f" + i + ".bin"), bytes);
            all.add(bytes);
        }
        return all;
    }

    private static void assertSmallFiles(Path root, List<byte[]> files) throws IOException {
        for (int i = 0; i < files.size(); i++) {
            assertArrayEquals(files.get(i), Files.readAllBytes(root.resolve("d" + (i % 4)).resolve("f" + i + ".bin")),
                    "f" + i + ".bin");
        }
    }

    @Test
    void manySmallFilesComeInAFewRequestsNotOneAChunk() throws Exception {
        Path orig = tmp.resolve("orig");
        List<byte[]> files = smallFiles(orig, 600);
        store.addTree(orig, "");
        long total = files.stream().mapToLong(b -> b.length).sum();
        Path target = tmp.resolve("target");

        RestoreReport report = restore(target, "", null, false);

        assertTrue(report.complete(), err.toString(StandardCharsets.UTF_8));
        assertSmallFiles(target, files);
        assertEquals(total, report.bytesDownloaded());
        assertEquals(store.chunks.size(), store.chunkGets.get(), "each chunk sent once");
        // 600 files in groups of 256: three fetches, no single GET.
        int groups = (600 + TreeRestorer.GROUP_FILES - 1) / TreeRestorer.GROUP_FILES;
        assertEquals(groups, store.chunkRequests.get(), "chunk requests for 600 files");
        assertEquals(groups, store.fetches.get());
    }

    @Test
    void aChunkTheFetchLacksComesAloneAndAStoreWithoutFetchGetsOneByOne() throws Exception {
        Path orig = tmp.resolve("orig");
        List<byte[]> files = smallFiles(orig, 40);
        store.addTree(orig, "");
        store.chunks.keySet().stream().limit(5).forEach(store.withheld::add);

        RestoreReport report = restore(tmp.resolve("t1"), "", null, false);

        assertTrue(report.complete(), err.toString(StandardCharsets.UTF_8));
        assertSmallFiles(tmp.resolve("t1"), files);
        assertEquals(1, store.fetches.get());
        assertEquals(1 + 5, store.chunkRequests.get(), "one fetch, then the 5 chunks it lacked alone");

        // A store from before the fetch endpoint (404): asked once, then every chunk alone.
        store.noFetch = true;
        store.fetches.set(0);
        store.chunkRequests.set(0);
        client = new VersionStore(StoreAddress.parse(store.url()), Optional.empty(), null);
        RestoreReport again = restore(tmp.resolve("t2"), "", null, false);
        assertTrue(again.complete(), err.toString(StandardCharsets.UTF_8));
        assertSmallFiles(tmp.resolve("t2"), files);
        assertEquals(1, store.fetches.get());
        assertEquals(1 + 40, store.chunkRequests.get());

        // An answer that breaks off after its first record (and 10 bytes of the next): the rest comes alone.
        store.noFetch = false;
        store.breakFetch = true;
        store.withheld.clear();
        store.fetches.set(0);
        store.chunkRequests.set(0);
        client = new VersionStore(StoreAddress.parse(store.url()), Optional.empty(), null);
        RestoreReport broken = restore(tmp.resolve("t3"), "", null, false);
        assertTrue(broken.complete(), err.toString(StandardCharsets.UTF_8));
        assertSmallFiles(tmp.resolve("t3"), files);
        assertEquals(1, store.fetches.get());
        assertEquals(1 + 39, store.chunkRequests.get(), "the first chunk came in the answer, 39 alone");
    }

    @Test
    void aKilledRestoresTempFilesAreRemovedByTheNextRestore() throws Exception {
        Path orig = tmp.resolve("orig");
        List<byte[]> files = smallFiles(orig, 8);
        store.addTree(orig, "");
        Path target = tmp.resolve("target");
        // What a restore killed mid-way leaves: temp files beside their targets, in TARGET and below it.
        Files.createDirectories(target.resolve("d1"));
        Path top = Files.writeString(target.resolve(".ferry-restore-0badf00d.tmp"), "half");
        Path below = Files.writeString(target.resolve("d1/.ferry-restore-1badf00d.tmp"), "half");
        // Not ours: a user's files and a folder that merely look alike.
        Path user = Files.writeString(target.resolve("d1/notes.tmp"), "mine");
        Path folder = Files.createDirectories(target.resolve("d1/.ferry-restore-2badf00d.tmp"));
        long leftAt = Files.getLastModifiedTime(below).toMillis();
        while (System.currentTimeMillis() <= leftAt) {
            Thread.onSpinWait(); // the next restore starts after they were left
        }

        RestoreReport report = restore(target, "", null, false);

        assertTrue(report.complete(), err.toString(StandardCharsets.UTF_8));
        assertSmallFiles(target, files);
        assertFalse(Files.exists(top, LinkOption.NOFOLLOW_LINKS), "the temp file in TARGET is gone");
        assertFalse(Files.exists(below, LinkOption.NOFOLLOW_LINKS), "the temp file below TARGET is gone");
        assertEquals("mine", Files.readString(user));
        assertTrue(Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS));
        try (Stream<Path> all = Files.walk(target)) {
            assertEquals(List.of(folder), all.filter(p -> p.getFileName().toString().startsWith(".ferry-restore-"))
                    .toList(), "no temp file is left");
        }
    }

    @Test
    void aListingThatBreaksOffFailsSayingSoAndKeepsWhatWasWritten() throws Exception {
        Path orig = tmp.resolve("orig");
        Files.createDirectories(orig);
        Files.writeString(orig.resolve("a.txt"), "a");
        store.addTree(orig, "");
        store.breakTree = true;
        Path target = tmp.resolve("target");

        IOException e = org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> restore(target, "", null, false));

        assertTrue(e.getMessage().startsWith("the store's listing broke off after 2 entries"), e.getMessage());
        assertEquals("a", Files.readString(target.resolve("a.txt")));
    }

    @Test
    void pathsThatLeaveTargetAreRefusedAndNothingIsWrittenOutsideIt() throws Exception {
        Path outside = tmp.resolve("outside");
        Files.createDirectories(outside);
        Path orig = tmp.resolve("orig");
        Files.createDirectories(orig);
        Files.writeString(orig.resolve("ok.txt"), "fine");
        store.addTree(orig, "docs");
        byte[] evil = "evil".getBytes(StandardCharsets.UTF_8);
        FastCdc cdc = new FastCdc();
        Path evilFile = tmp.resolve("evil.txt");
        Files.write(evilFile, evil);
        for (String bad : List.of("../outside/escape", "/" + outside.resolve("abs"), ".ferry/x",
                "docs/../outside/dots", "other/x", "docs/a\u0000b", "")) {
            Manifest m = store.manifest(cdc, evilFile, "placeholder").withPath(bad);
            store.addRaw(dev.ferry.protocol.Wire.mapper().valueToTree(m).toString());
        }
        store.addRaw("{not json");
        // A link to outside, then a file "through" it: the file must not land in outside.
        store.add(Manifest.symlink("docs/trap", 0, outside.toString()));
        store.add(store.manifest(cdc, evilFile, "docs/trap/pwned"));
        Path target = tmp.resolve("target");

        RestoreReport report = restore(target, "docs", null, false);

        assertEquals("fine", Files.readString(target.resolve("ok.txt")));
        assertTrue(Files.isSymbolicLink(target.resolve("trap")));
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(List.of(), s.toList(), "nothing written outside TARGET");
        }
        assertFalse(Files.exists(tmp.resolve("escape")));
        assertEquals(8, report.refused(), err.toString(StandardCharsets.UTF_8));
        assertEquals(1, report.skipped(), err.toString(StandardCharsets.UTF_8));
        assertFalse(report.complete());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("a symlink is in the way"), err.toString());
    }

    @Test
    void nothingInTargetIsDeletedAndADifferingFileIsReplacedOnlyWhenAsked() throws Exception {
        Path orig = tmp.resolve("orig");
        Files.createDirectories(orig.resolve("d"));
        Files.writeString(orig.resolve("a.txt"), "then");
        Files.writeString(orig.resolve("d/b.txt"), "then b");
        Files.writeString(orig.resolve("dir-here"), "a file where TARGET has a folder");
        store.addTree(orig, "");
        Path target = tmp.resolve("target");
        Files.createDirectories(target.resolve("dir-here"));
        Files.writeString(target.resolve("a.txt"), "now");
        Files.writeString(target.resolve("extra.txt"), "mine");

        RestoreReport kept = restore(target, "", null, false);
        assertEquals("now", Files.readString(target.resolve("a.txt")));
        assertEquals("then b", Files.readString(target.resolve("d/b.txt")));
        assertEquals(2, kept.skipped(), err.toString(StandardCharsets.UTF_8));

        RestoreReport replaced = restore(target, "", null, true);
        assertEquals("then", Files.readString(target.resolve("a.txt")));
        assertEquals("mine", Files.readString(target.resolve("extra.txt")));
        assertTrue(Files.isDirectory(target.resolve("dir-here")), "a folder in the way is never deleted");
        assertEquals(1, replaced.skipped());
    }

    /** Files of several chunks, an empty and an executable file, nested and read-only folders, links, mtimes. */
    static void makeTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("docs/sub"));
        Files.createDirectories(root.resolve("empty"));
        Files.write(root.resolve("docs/big.bin"), random(700 << 10, 1));
        Files.writeString(root.resolve("docs/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(root.resolve("docs/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.write(root.resolve("docs/empty"), new byte[0]);
        Files.setPosixFilePermissions(root.resolve("docs/empty"), PosixFilePermissions.fromString("rw-------"));
        Files.writeString(root.resolve("docs/sub/ünï code.txt"), "names as they are");
        // "docs-x.txt" sorts between "docs" and "docs/...": the listing leaves docs and comes back to it.
        Files.writeString(root.resolve("docs-x.txt"), "beside docs");
        Files.write(root.resolve("twice.bin"), random(300 << 10, 1)); // shares its first chunks with big.bin
        Files.createSymbolicLink(root.resolve("link"), Path.of("docs/run.sh"));
        Files.createSymbolicLink(root.resolve("dangling"), Path.of("../nowhere/at all"));
        long t = 1_600_000_000_123_456_789L;
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.forEach(all::add);
        }
        // Deepest first, so that setting a child's time does not move its parent's.
        all.sort((a, b) -> b.getNameCount() - a.getNameCount());
        for (Path p : all) {
            t += 86_400_000_000_123L;
            if (!Files.isSymbolicLink(p)) {
                Files.setLastModifiedTime(p, FileTime.from(t, TimeUnit.NANOSECONDS));
            }
        }
        Files.setPosixFilePermissions(root.resolve("docs"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(root.resolve("docs/sub"), PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    static void assertSameTree(Path expected, Path actual) throws IOException {
        List<String> want = listing(expected);
        List<String> got = listing(actual);
        assertEquals(want, got);
        try (Stream<Path> s = Files.walk(expected)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path q = actual.resolve(expected.relativize(p).toString());
                if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    assertArrayEquals(Files.readAllBytes(p), Files.readAllBytes(q), p.toString());
                }
            }
        }
    }

    /** One line per entry: path, type, mode, mtime, link target. */
    static List<String> listing(Path root) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String rel = root.relativize(p).toString();
                if (a.isSymbolicLink()) {
                    out.add(rel + " link " + Files.readSymbolicLink(p));
                } else {
                    out.add(rel + (a.isDirectory() ? " dir " : " file ")
                            + PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS))
                            + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS) + " " + a.size() * (a.isDirectory() ? 0 : 1));
                }
            }
        }
        out.sort(null);
        return out;
    }

    static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }
}
