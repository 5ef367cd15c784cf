package dev.ferry.watcher.state;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RootDigest;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.sync.ChangeDetector;
import dev.ferry.watcher.sync.DirtySet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalStateCacheTest {

    @TempDir
    Path source;
    @TempDir
    Path stateDir;

    private void populate() throws IOException {
        byte[] big = new byte[700_000];
        new Random(3).nextBytes(big);
        Files.createDirectories(source.resolve("dir/sub"));
        Files.write(source.resolve("dir/big.bin"), big);
        Files.writeString(source.resolve("dir/sub/small.txt"), "small");
        Files.writeString(source.resolve("empty"), "");
        Files.createSymbolicLink(source.resolve("link"), Path.of("dir/sub/small.txt"));
        long t = System.currentTimeMillis() - 60_000;
        for (String f : List.of("dir/big.bin", "dir/sub/small.txt", "empty")) {
            Files.setLastModifiedTime(source.resolve(f), FileTime.fromMillis(t += 1000));
        }
    }

    private static List<Change> scan(Path source, LocalStateCache cache, FileHasher hasher) {
        List<Change> changes = new ArrayList<>();
        new ChangeDetector(new SourceScanner(source), hasher, cache, changes::add, false).flush(DirtySet.everything());
        return changes;
    }

    @Test
    void saveAndLoadRoundTrip() throws IOException {
        populate();
        SourceScanner scanner = new SourceScanner(source);
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        scan(source, cache, new FileHasher(new FastCdc(), scanner));
        assertTrue(cache.isDirty());
        Map<String, CachedEntry> saved = new TreeMap<>(cache.entries());
        String root = cache.rootDigest();
        long files = cache.fileCount();
        long bytes = cache.byteCount();
        cache.save();
        assertFalse(cache.isDirty());
        cache.close();

        LocalStateCache loaded = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);

        assertEquals(saved.keySet(), new TreeMap<>(loaded.entries()).keySet());
        for (String path : saved.keySet()) {
            Manifest a = saved.get(path).manifest(path);
            Manifest b = loaded.get(path).manifest(path);
            assertEquals(a, b, path);
            assertEquals(saved.get(path).inode(), loaded.get(path).inode());
            assertEquals(saved.get(path).racy(), loaded.get(path).racy());
        }
        assertEquals(root, loaded.rootDigest());
        assertEquals(files, loaded.fileCount());
        assertEquals(bytes, loaded.byteCount());
        assertEquals(3, loaded.fileCount());
        assertTrue(loaded.get("dir/big.bin").chunkCount() > 1);
    }

    @Test
    void rootDigestIsTheProtocolsRootDigest() throws IOException {
        populate();
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        scan(source, cache, new FileHasher(new FastCdc(), new SourceScanner(source)));
        Map<String, String> digests = new HashMap<>();
        cache.entries().forEach((path, e) -> digests.put(path, e.manifest(path).digest()));

        assertEquals(RootDigest.of(digests), cache.rootDigest());
        cache.close();
        assertEquals(RootDigest.EMPTY, new LocalStateCache(stateDir, "x", ChunkerParams.DEFAULT).rootDigest());
    }

    @Test
    void restartOverAnUnchangedTreeNeitherHashesNorSendsAnything() throws IOException {
        populate();
        SourceScanner scanner = new SourceScanner(source);
        LocalStateCache first = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        assertEquals(6, scan(source, first, new FileHasher(new FastCdc(), scanner)).size());
        first.save();
        String root = first.rootDigest();
        first.close();

        LocalStateCache restarted = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        FileHasher hasher = new FileHasher(new FastCdc(), scanner);
        List<Change> changes = scan(source, restarted, hasher);

        assertEquals(List.of(), changes);
        assertEquals(0, hasher.filesHashed());
        assertEquals(root, restarted.rootDigest());
    }

    @Test
    void cacheOfAnotherSourceOrChunkerIsIgnored() throws IOException {
        populate();
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        scan(source, cache, new FileHasher(new FastCdc(), new SourceScanner(source)));
        cache.close();

        try (LocalStateCache other = LocalStateCache.load(stateDir, "/other/source", ChunkerParams.DEFAULT)) {
            assertEquals(0, other.size());
        }
        cache = LocalStateCache.load(stateDir, "/other/source", ChunkerParams.DEFAULT);
        cache.put("x", CachedEntry.of(Manifest.directory("x", 0755, 1), 1, false));
        cache.close();
        ChunkerParams other = new ChunkerParams(ChunkerParams.FASTCDC_V1, 8192, 32768, 131072);
        try (LocalStateCache otherChunker = LocalStateCache.load(stateDir, "/other/source", other)) {
            assertEquals(0, otherChunker.size());
        }
    }

    /** A damaged database is dropped: every file is hashed again and sent as an upsert; nothing is deleted. */
    @Test
    void aDamagedDatabaseMeansAFullRescanNeverADelete() throws IOException {
        populate();
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        int entries = scan(source, cache, new FileHasher(new FastCdc(), new SourceScanner(source))).size();
        cache.close();
        Path file = stateDir.resolve(LocalStateCache.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        for (int i = 0; i < bytes.length; i += 7) {
            bytes[i] ^= 0x5a;
        }
        Files.write(file, bytes);

        LocalStateCache damaged = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        assertEquals(0, damaged.size());
        FileHasher hasher = new FileHasher(new FastCdc(), new SourceScanner(source));
        List<Change> changes = scan(source, damaged, hasher);

        assertEquals(entries, changes.size());
        assertTrue(changes.stream().allMatch(c -> c instanceof Change.Upsert), changes.toString());
        assertEquals(3, hasher.filesHashed());
        damaged.close();
        try (LocalStateCache again = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT)) {
            assertEquals(entries, again.size(), "the new database is saved as usual");
        }
    }

    /** A crash (no close, no save) leaves the state of the last save. */
    @Test
    void aCrashKeepsWhatTheLastSaveCommitted() throws IOException {
        populate();
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        scan(source, cache, new FileHasher(new FastCdc(), new SourceScanner(source)));
        cache.save();
        String saved = cache.rootDigest();
        long files = cache.fileCount();
        cache.removeSubtree("dir");
        cache.put("new", CachedEntry.of(Manifest.directory("new", 0755, 1), 9, false));
        cache.closeAsACrashWould();

        try (LocalStateCache loaded = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT)) {
            assertEquals(saved, loaded.rootDigest());
            assertEquals(files, loaded.fileCount());
            assertNull(loaded.get("new"));
        }
    }

    @Test
    void rebaseAndRemoveSubtree() {
        LocalStateCache cache = new LocalStateCache(stateDir, "s", ChunkerParams.DEFAULT);
        for (String p : List.of("a", "a/b", "a/b/c", "a-b", "a0", "ab")) {
            cache.put(p, CachedEntry.of(Manifest.directory(p, 0755, 1), 1, false));
        }
        assertEquals(List.of("a/b", "a/b/c"), new ArrayList<>(cache.below("a").keySet()));

        cache.rebase("a", "z");
        assertEquals(List.of("a-b", "a0", "ab", "z", "z/b", "z/b/c"), new ArrayList<>(cache.entries().keySet()));

        assertEquals(3, cache.removeSubtree("z"));
        assertEquals(List.of("a-b", "a0", "ab"), new ArrayList<>(cache.entries().keySet()));
    }

    @Test
    void childrenAreTheEntriesDirectlyInAFolderWithoutWhatLiesBelowThem() {
        LocalStateCache cache = new LocalStateCache(stateDir, "s", ChunkerParams.DEFAULT);
        for (String p : List.of("a", "a/b", "a/b/c", "a/b/c/d", "a/b-c", "a/b.c", "a/b0", "a/e", "a-b", "a0", "ab",
                "ab/x")) {
            cache.put(p, CachedEntry.of(Manifest.directory(p, 0755, 1), 1, false));
        }
        List<String> top = new ArrayList<>();
        cache.children("").forEach(top::add);
        assertEquals(List.of("a", "a-b", "a0", "ab"), top);
        List<String> inA = new ArrayList<>();
        cache.children("a").forEach(inA::add);
        assertEquals(List.of("a/b", "a/b-c", "a/b.c", "a/b0", "a/e"), inA);
        assertEquals(List.of(), toList(cache.children("a/e")));
        assertEquals(List.of("a/b/c/d"), toList(cache.children("a/b/c")));
    }

    private static List<String> toList(Iterable<String> paths) {
        List<String> list = new ArrayList<>();
        paths.forEach(list::add);
        return list;
    }

    private static Manifest fileOf(String path, int chunks, int seed) {
        List<dev.ferry.protocol.ChunkRef> refs = new ArrayList<>();
        for (int i = 0; i < chunks; i++) {
            byte[] h = new byte[32];
            h[0] = (byte) seed;
            h[1] = (byte) i;
            refs.add(new dev.ferry.protocol.ChunkRef(dev.ferry.chunker.ChunkHash.of(h), 100));
        }
        return Manifest.file(path, 0644, 1L, 100L * chunks, refs);
    }

    @Test
    void largeFilesAreFoundByTheirFirstChunkUntilTheyChangeOrGo(@TempDir Path state) {
        LocalStateCache cache = new LocalStateCache(state, "/src", ChunkerParams.DEFAULT);
        Manifest big = fileOf("a/big", LocalStateCache.FIRST_CHUNK_MIN, 1);
        Manifest small = fileOf("small", LocalStateCache.FIRST_CHUNK_MIN - 1, 2);
        cache.put("a", CachedEntry.of(Manifest.directory("a", 0755, 1L), 1, false));
        cache.put("a/big", CachedEntry.of(big, 2, false));
        cache.put("small", CachedEntry.of(small, 3, false));
        assertEquals("a/big", cache.withFirstChunk(big.chunks().get(0), "copy"));
        assertEquals(null, cache.withFirstChunk(big.chunks().get(0), "a/big"), "never itself");
        assertEquals(null, cache.withFirstChunk(small.chunks().get(0), "copy"), "small files are not indexed");
        cache.rebase("a", "b");
        assertEquals("b/big", cache.withFirstChunk(big.chunks().get(0), "copy"));
        cache.put("b/big", CachedEntry.of(fileOf("b/big", 20, 3), 2, false));
        assertEquals(null, cache.withFirstChunk(big.chunks().get(0), "copy"), "the file changed");
        cache.put("c", CachedEntry.of(big.withPath("c"), 4, false));
        assertEquals("c", cache.withFirstChunk(big.chunks().get(0), "copy"));
        cache.removeSubtree("c");
        assertEquals(null, cache.withFirstChunk(big.chunks().get(0), "copy"));
    }
}
