package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChangeDetectorTest {

    @TempDir
    Path root;
    @TempDir
    Path stateDir;

    private SourceScanner scanner;
    private FileHasher hasher;
    private LocalStateCache cache;
    private ChangeDetector detector;
    private final List<Change> emitted = new ArrayList<>();
    private final List<String> retried = new ArrayList<>();
    private final List<String> lookAgain = new ArrayList<>();
    private final MirrorModel mirror = new MirrorModel();
    /** As in the watcher: files hashed ahead on a pool (a small window, so it slides); assertConsistent hashes serially. */
    private final java.util.concurrent.ExecutorService hashPool = java.util.concurrent.Executors.newFixedThreadPool(3);

    @BeforeEach
    void setUp() {
        scanner = new SourceScanner(root);
        hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner);
        cache = new LocalStateCache(stateDir, root.toString(), ChunkerParams.DEFAULT);
        detector = new ChangeDetector(scanner, hasher, cache, new ChangeDetector.Listener() {
            @Override
            public void emit(Change change) {
                emitted.add(change);
            }

            @Override
            public void retryLater(String path, int attempt) {
                retried.add(path);
            }

            @Override
            public void lookAgainLater(String path, java.time.Duration delay) {
                lookAgain.add(path + " in " + delay.toSeconds() + " s");
            }
        }, false, hashPool, 2);
    }

    @org.junit.jupiter.api.AfterEach
    void stopPool() {
        hashPool.shutdownNow();
    }

    private List<Change> flush(DirtySet dirty) {
        emitted.clear();
        detector.flush(dirty);
        mirror.apply(emitted);
        assertConsistent();
        return List.copyOf(emitted);
    }

    private List<Change> flushAll() {
        return flush(DirtySet.everything());
    }

    private List<Change> flushPaths(String... paths) {
        return flush(new DirtySet(Set.of(paths), Set.of(), false));
    }

    /** Mirror (changes applied in order) == cache == a fresh scan of the disk. */
    private void assertConsistent() {
        Map<String, String> cached = new TreeMap<>();
        for (Map.Entry<String, CachedEntry> e : cache.entries().entrySet()) {
            cached.put(e.getKey(), e.getValue().digest());
        }
        assertEquals(cached, mirror.index, "mirror after applying the changes differs from the cache");
        LocalStateCache fresh = new LocalStateCache(stateDir, root.toString(), ChunkerParams.DEFAULT);
        new ChangeDetector(scanner, new FileHasher(new FastCdc(), scanner), fresh, c -> { }, false)
                .flush(DirtySet.everything());
        Map<String, String> disk = new TreeMap<>();
        fresh.entries().forEach((k, v) -> disk.put(k, v.digest()));
        assertEquals(disk, cached, "cache differs from the disk");
        assertEquals(fresh.rootDigest(), cache.rootDigest());
    }

    private static String describe(List<Change> changes) {
        return changes.stream().map(c -> {
            if (c instanceof Change.Move) {
                return "move " + ((Change.Move) c).from() + " " + c.path();
            }
            return (c instanceof Change.Upsert ? "upsert " : "delete ") + c.path();
        }).collect(Collectors.joining(", "));
    }

    private long age = System.currentTimeMillis() - 600_000;

    /** Writes a file with an mtime in the past (each one distinct), so it is not "racy" and re-hashed on sight. */
    private void write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(age += 1000));
    }

    /**
     * A failing disk (EIO, ESTALE; through the scanner's seam, as CI cannot make them) or a permission change makes
     * a stat fail: the entry and its cached subtree are kept (no delete), looked at again on a short backoff, and
     * what changed meanwhile is sent once it can be read.
     */
    @Test
    void anEntryThatCannotBeStatedIsKeptWithItsSubtreeAndLookedAtAgainSoon() throws IOException {
        write("d/a.txt", "a");
        write("d/sub/b.txt", "b");
        write("e.txt", "e");
        write("f.txt", "f");
        write("g.txt", "g");
        flushAll();
        int cached = cache.size();
        scanner.statFaults(path -> switch (path) {
            case "d" -> new java.nio.file.FileSystemException(path, null, "Input/output error");
            case "e.txt" -> new java.nio.file.FileSystemException(path, null, "Stale file handle");
            default -> null;
        });
        Files.delete(root.resolve("f.txt"));

        emitted.clear();
        detector.flush(DirtySet.everything());
        assertEquals("delete f.txt", describe(emitted), "only what is really gone is deleted");
        mirror.apply(emitted);
        assertEquals(cached - 1, cache.size());
        assertTrue(cache.contains("d/sub/b.txt"));
        assertEquals(List.of("d in 1 s", "e.txt in 1 s"), lookAgain);

        lookAgain.clear();
        emitted.clear();
        detector.flush(new DirtySet(Set.of("e.txt"), Set.of("d"), false));
        assertEquals(List.of(), emitted);
        assertEquals(List.of(), lookAgain, "a look is already pending for both");

        scanner.statFaults(path -> null);
        write("d/sub/new.txt", "written while unknown");
        lookAgain.clear();
        List<Change> changes = flush(new DirtySet(Set.of(), Set.of("d", "e.txt"), false));
        assertEquals("upsert d/sub, upsert d/sub/new.txt", describe(changes));
        assertEquals(List.of(), lookAgain);
    }

    @Test
    void firstScanUpsertsEverythingParentsFirst() throws IOException {
        write("b/c/d.txt", "d");
        write("a.txt", "a");
        Files.createDirectories(root.resolve("empty"));
        Files.createSymbolicLink(root.resolve("b/link"), Path.of("c/d.txt"));

        List<Change> changes = flushAll();

        assertEquals("upsert b, upsert b/c, upsert empty, upsert a.txt, upsert b/c/d.txt, upsert b/link", describe(changes));
        assertEquals(EntryType.SYMLINK, ((Change.Upsert) changes.get(5)).entry().type());
        assertEquals(List.of(), flushAll());
    }

    @Test
    void renamedFileIsOneMoveWithoutRehash() throws IOException {
        write("dir/old.txt", "content that is not hashed again");
        flushAll();
        long hashed = hasher.filesHashed();

        Files.move(root.resolve("dir/old.txt"), root.resolve("dir/new.txt"));
        List<Change> changes = flushPaths("dir/old.txt", "dir/new.txt", "dir");

        assertEquals("move dir/old.txt dir/new.txt, upsert dir", describe(changes));
        Change.Move move = assertInstanceOf(Change.Move.class, changes.get(0));
        assertEquals(cache.get("dir/new.txt").digest(), move.entry().digest());
        assertEquals(hashed, hasher.filesHashed());
        assertEquals(1, mirror.movesApplied);
    }

    @Test
    void renamedDirectoryIsOneMoveAndItsContentIsNotRehashed() throws IOException {
        for (int i = 0; i < 20; i++) {
            write("photos/2024/img" + i + ".jpg", "picture " + i);
        }
        flushAll();
        long hashed = hasher.filesHashed();

        Files.move(root.resolve("photos"), root.resolve("archive"));
        List<Change> changes = flushAll();

        assertEquals("move photos archive", describe(changes));
        assertEquals(hashed, hasher.filesHashed());
        assertTrue(cache.contains("archive/2024/img7.jpg"));
        assertTrue(cache.below("photos").isEmpty());
    }

    @Test
    void movedDirectoryWithAnEditInsideIsAMoveThenAnUpsert() throws IOException {
        write("src/a.txt", "a");
        write("src/b.txt", "b");
        flushAll();

        Files.move(root.resolve("src"), root.resolve("dst"));
        write("dst/b.txt", "b changed");
        Files.delete(root.resolve("dst/a.txt"));
        List<Change> changes = flushAll();

        assertEquals("move src dst, upsert dst, delete dst/a.txt, upsert dst/b.txt", describe(changes));
    }

    @Test
    void deletedDirectoryIsOneDelete() throws IOException {
        for (int i = 0; i < 10; i++) {
            write("tree/sub" + (i % 3) + "/f" + i, "x" + i);
        }
        write("keep.txt", "k");
        flushAll();

        deleteTree(root.resolve("tree"));
        List<Change> changes = flushPaths("tree");

        assertEquals("delete tree", describe(changes));
    }

    @Test
    void editUpsertsAndChmodDoesNotRehash() throws IOException {
        write("f.sh", "echo one");
        flushAll();
        long hashed = hasher.filesHashed();

        Files.setPosixFilePermissions(root.resolve("f.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        List<Change> chmod = flushPaths("f.sh");
        assertEquals("upsert f.sh", describe(chmod));
        assertEquals(0755, ((Change.Upsert) chmod.get(0)).entry().mode());
        assertEquals(hashed, hasher.filesHashed());

        write("f.sh", "echo two, longer");
        List<Change> edit = flushPaths("f.sh");
        assertEquals("upsert f.sh", describe(edit));
        assertEquals(16, ((Change.Upsert) edit.get(0)).entry().size());
    }

    @Test
    void newDirectoryIsWalkedWhole() throws IOException {
        flushAll();
        write("new/deep/er/file.txt", "x");
        write("new/other.txt", "y");

        List<Change> changes = flushPaths("new");

        assertEquals("upsert new, upsert new/deep, upsert new/deep/er, upsert new/deep/er/file.txt, upsert new/other.txt",
                describe(changes));
    }

    @Test
    void eventForAChildOfAnUnknownDirectoryWalksTheDirectory() throws IOException {
        flushAll();
        write("late/x/y.txt", "y");
        write("late/z.txt", "z");

        List<Change> changes = flushPaths("late/x/y.txt");

        assertEquals("upsert late, upsert late/x, upsert late/x/y.txt, upsert late/z.txt", describe(changes));
    }

    @Test
    void fileMovedIntoANewDirectory() throws IOException {
        write("a.txt", "moving");
        flushAll();

        Files.createDirectories(root.resolve("n"));
        Files.move(root.resolve("a.txt"), root.resolve("n/a.txt"));
        List<Change> changes = flushPaths("a.txt", "n");

        assertEquals("upsert n, move a.txt n/a.txt", describe(changes));
    }

    @Test
    void swappedFilesAreNotRehashed() throws IOException {
        write("x", "first content");
        write("y", "second content!");
        flushAll();
        long hashed = hasher.filesHashed();

        Files.move(root.resolve("x"), root.resolve("tmp"));
        Files.move(root.resolve("y"), root.resolve("x"));
        Files.move(root.resolve("tmp"), root.resolve("y"));
        flushPaths("x", "y", "tmp");

        assertEquals(hashed, hasher.filesHashed());
    }

    @Test
    void overwritingRenameReplacesTheTarget() throws IOException {
        write("doc.txt", "v1");
        write("doc.txt.tmp", "version two");
        flushAll();

        Files.move(root.resolve("doc.txt.tmp"), root.resolve("doc.txt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<Change> changes = flushPaths("doc.txt", "doc.txt.tmp");

        assertEquals("move doc.txt.tmp doc.txt", describe(changes));
    }

    @Test
    void typeChangesDeleteThenUpsert() throws IOException {
        write("thing", "a file");
        write("other/inner", "i");
        flushAll();

        Files.delete(root.resolve("thing"));
        Files.createDirectories(root.resolve("thing"));
        deleteTree(root.resolve("other"));
        Files.writeString(root.resolve("other"), "now a file");
        List<Change> changes = flushPaths("thing", "other");

        assertEquals("delete thing, upsert thing, delete other, upsert other", describe(changes));
    }

    @Test
    void vanishedOrEmptiedRootIsNotAMassDelete() throws IOException {
        write("a/b.txt", "b");
        flushAll();

        deleteTree(root.resolve("a"));
        emitted.clear();
        ChangeDetector.FlushResult result = detector.flush(DirtySet.everything());

        assertTrue(result.guarded());
        assertEquals(List.of(), emitted);
        assertTrue(cache.contains("a/b.txt"));
    }

    @Test
    void randomOperationsKeepMirrorCacheAndDiskEqual() throws IOException {
        Random random = new Random(42);
        List<String> names = List.of("a", "b", "c", "d");
        for (int round = 0; round < 60; round++) {
            int ops = 1 + random.nextInt(4);
            Set<String> touched = new java.util.HashSet<>();
            for (int i = 0; i < ops; i++) {
                randomOperation(random, names, touched);
            }
            if (random.nextBoolean()) {
                flushAll();
            } else {
                flushPaths(touched.toArray(String[]::new));
            }
        }
        assertTrue(mirror.movesApplied > 0, "some moves were detected");
    }

    /**
     * With no room to hold new entries for move detection (as after a first sync that stopped halfway), a full scan
     * plans them as it finds them: moves become upserts and deletes, and mirror, cache and disk still agree.
     */
    @Test
    void aFullScanThatCannotHoldNewEntriesStillMirrorsTheTree() throws IOException {
        detector.holdAtMost(0);
        Random random = new Random(7);
        List<String> names = List.of("a", "b", "c", "d");
        for (int round = 0; round < 40; round++) {
            int ops = 1 + random.nextInt(6);
            for (int i = 0; i < ops; i++) {
                randomOperation(random, names, new java.util.HashSet<>());
            }
            flushAll();
        }
        write("m/one.txt", "one");
        write("m/two.txt", "two");
        flushAll();
        Files.move(root.resolve("m"), root.resolve("n"));
        List<Change> moved = flushAll();
        assertEquals(List.of("delete m", "upsert n", "upsert n/one.txt", "upsert n/two.txt"),
                moved.stream().map(c -> (c instanceof Change.Delete ? "delete " : c instanceof Change.Move ? "move "
                        : "upsert ") + c.path()).sorted().toList(), describe(moved));
    }

    private void randomOperation(Random random, List<String> names, Set<String> touched) throws IOException {
        String path = randomPath(random, names);
        Path p = root.resolve(path);
        touched.add(path);
        if (p.getParent() != null && !p.getParent().equals(root)) {
            touched.add(root.relativize(p.getParent()).toString());
        }
        int op = random.nextInt(6);
        if (op <= 1) {
            if (Files.isDirectory(p.getParent()) && !Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                write(path, "content " + random.nextInt(5));
            }
        } else if (op == 2) {
            if (Files.isDirectory(p.getParent()) && !Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(p);
            }
        } else if (op == 3) {
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                deleteTree(p);
            }
        } else {
            String to = randomPath(random, names);
            Path q = root.resolve(to);
            if (Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.isDirectory(q.getParent())
                    && !Files.exists(q, java.nio.file.LinkOption.NOFOLLOW_LINKS) && !q.startsWith(p)) {
                Files.move(p, q);
                touched.add(to);
                if (!q.getParent().equals(root)) {
                    touched.add(root.relativize(q.getParent()).toString());
                }
            }
        }
    }

    private static String randomPath(Random random, List<String> names) {
        int depth = 1 + random.nextInt(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            if (i > 0) {
                sb.append('/');
            }
            sb.append(names.get(random.nextInt(names.size())));
        }
        return sb.toString();
    }

    static void deleteTree(Path top) throws IOException {
        if (!Files.isDirectory(top, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(top);
            return;
        }
        try (Stream<Path> walk = Files.walk(top)) {
            for (Path p : walk.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }

    @SuppressWarnings("unused")
    private static Manifest manifest(Change c) {
        return c instanceof Change.Upsert ? ((Change.Upsert) c).entry() : ((Change.Move) c).entry();
    }

    @Test
    void manyFilesHashedOnThePoolAreEmittedInPathOrderAsASerialScanWould() throws Exception {
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 60; i++) {
            byte[] data = new byte[random.nextInt(200_000)];
            random.nextBytes(data);
            Path f = root.resolve("p" + (i % 3) + "/f" + i);
            Files.createDirectories(f.getParent());
            Files.write(f, data);
        }
        List<Change> serial = new ArrayList<>();
        new ChangeDetector(scanner, new FileHasher(new FastCdc(), scanner),
                new LocalStateCache(stateDir, root.toString(), ChunkerParams.DEFAULT), serial::add, false)
                .flush(DirtySet.everything());
        List<Change> first = flushAll();
        assertEquals(63, first.size());
        assertEquals(serial, first, "the same items in the same order as a serial scan");

        Files.write(root.resolve("p1/f1"), new byte[] {1, 2, 3});
        Files.delete(root.resolve("p2/f2"));
        Files.write(root.resolve("p0/new"), new byte[] {4});
        List<Change> second = flushAll();
        assertEquals(List.of("p0", "p0/new", "p1/f1", "p2", "p2/f2"),
                second.stream().map(Change::path).sorted().toList(), describe(second));
    }
}
