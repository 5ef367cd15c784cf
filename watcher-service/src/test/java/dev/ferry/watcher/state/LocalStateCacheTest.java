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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
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
        cache.save();
        assertFalse(cache.isDirty());

        LocalStateCache loaded = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);

        assertEquals(cache.entries().keySet(), loaded.entries().keySet());
        for (String path : cache.entries().keySet()) {
            Manifest a = cache.get(path).manifest(path);
            Manifest b = loaded.get(path).manifest(path);
            assertEquals(a, b, path);
            assertEquals(cache.get(path).inode(), loaded.get(path).inode());
        }
        assertEquals(cache.rootDigest(), loaded.rootDigest());
        assertEquals(cache.fileCount(), loaded.fileCount());
        assertEquals(cache.byteCount(), loaded.byteCount());
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
        assertEquals(RootDigest.EMPTY, new LocalStateCache(stateDir, "x", ChunkerParams.DEFAULT).rootDigest());
    }

    @Test
    void restartOverAnUnchangedTreeNeitherHashesNorSendsAnything() throws IOException {
        populate();
        SourceScanner scanner = new SourceScanner(source);
        LocalStateCache first = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        assertEquals(6, scan(source, first, new FileHasher(new FastCdc(), scanner)).size());
        first.save();

        LocalStateCache restarted = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        FileHasher hasher = new FileHasher(new FastCdc(), scanner);
        List<Change> changes = scan(source, restarted, hasher);

        assertEquals(List.of(), changes);
        assertEquals(0, hasher.filesHashed());
        assertEquals(first.rootDigest(), restarted.rootDigest());
    }

    @Test
    void cacheOfAnotherSourceOrChunkerOrADamagedFileIsIgnored() throws IOException {
        populate();
        LocalStateCache cache = new LocalStateCache(stateDir, source.toString(), ChunkerParams.DEFAULT);
        scan(source, cache, new FileHasher(new FastCdc(), new SourceScanner(source)));
        cache.save();

        assertEquals(0, LocalStateCache.load(stateDir, "/other/source", ChunkerParams.DEFAULT).size());
        ChunkerParams other = new ChunkerParams(ChunkerParams.FASTCDC_V1, 8192, 32768, 131072);
        assertEquals(0, LocalStateCache.load(stateDir, source.toString(), other).size());

        Path file = stateDir.resolve(LocalStateCache.FILE_NAME);
        String text = Files.readString(file);
        Files.writeString(file, text.substring(0, text.length() - 20));
        LocalStateCache torn = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        assertEquals(cache.size() - 1, torn.size());
        assertNotNull(torn.get("dir"));
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
