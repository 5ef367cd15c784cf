package dev.ferry.watcher.scan;

import dev.ferry.chunker.Chunk;
import dev.ferry.chunker.Chunker;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.ChunkSink;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileHasherTest {

    @TempDir
    Path root;

    private static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void manifestMatchesTheChunkerAndTheStat() throws IOException {
        byte[] data = random(1_500_000, 7);
        Files.write(root.resolve("big.bin"), data);
        SourceScanner scanner = new SourceScanner(root);
        FileHasher hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner);

        HashResult result = hasher.hash(scanner.stat("big.bin"));

        Manifest m = assertInstanceOf(HashResult.Hashed.class, result).manifest();
        List<Chunk> expected = new FastCdc(ChunkerParams.DEFAULT).chunks(new ByteArrayInputStream(data));
        assertEquals(expected.size(), m.chunks().size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(ChunkRef.of(expected.get(i)), m.chunks().get(i));
        }
        assertEquals(data.length, m.size());
        assertEquals("big.bin", m.path());
        assertTrue(expected.size() > 3);
        assertEquals(data.length, hasher.bytesHashed());
    }

    @Test
    void smallAndEmptyFilesCutLikeTheChunker() throws IOException {
        SourceScanner scanner = new SourceScanner(root);
        FileHasher hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner);
        for (int size : new int[]{0, 1, 16 * 1024, 16 * 1024 + 1}) {
            byte[] data = random(size, size);
            Files.write(root.resolve("f" + size), data);
            Manifest m = ((HashResult.Hashed) hasher.hash(scanner.stat("f" + size))).manifest();
            List<Chunk> expected = new FastCdc(ChunkerParams.DEFAULT).chunks(new ByteArrayInputStream(data));
            assertEquals(expected.stream().map(ChunkRef::of).toList(), m.chunks(), "size " + size);
        }
    }

    @Test
    void fileWrittenDuringHashingIsUnstable() throws IOException {
        Path file = Files.write(root.resolve("growing.log"), random(600_000, 1));
        SourceScanner scanner = new SourceScanner(root);
        Chunker appendingMidway = new Chunker() {
            final FastCdc real = new FastCdc(ChunkerParams.DEFAULT);

            @Override
            public ChunkerParams params() {
                return real.params();
            }

            @Override
            public void split(InputStream in, ChunkSink sink) throws IOException {
                Files.write(file, random(100, 2), StandardOpenOption.APPEND);
                real.split(in, sink);
            }
        };

        HashResult result = new FileHasher(appendingMidway, scanner).hash(scanner.stat("growing.log"));

        assertInstanceOf(HashResult.Unstable.class, result);
    }

    @Test
    void fileRewrittenWithSameSizeDuringHashingIsUnstable() throws IOException {
        Path file = Files.write(root.resolve("same-size"), random(600_000, 1));
        SourceScanner scanner = new SourceScanner(root);
        ScannedEntry before = scanner.stat("same-size");
        Chunker rewriting = new Chunker() {
            final FastCdc real = new FastCdc(ChunkerParams.DEFAULT);

            @Override
            public ChunkerParams params() {
                return real.params();
            }

            @Override
            public void split(InputStream in, ChunkSink sink) throws IOException {
                real.split(in, sink);
                Files.write(file.resolveSibling("tmp"), random(600_000, 3));
                Files.move(file.resolveSibling("tmp"), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        };

        assertInstanceOf(HashResult.Unstable.class, new FileHasher(rewriting, scanner).hash(before));
    }

    @Test
    void vanishedFile() throws IOException {
        Files.writeString(root.resolve("gone"), "x");
        SourceScanner scanner = new SourceScanner(root);
        ScannedEntry before = scanner.stat("gone");
        Files.delete(root.resolve("gone"));

        assertInstanceOf(HashResult.Vanished.class, new FileHasher(new FastCdc(), scanner).hash(before));
    }
}
