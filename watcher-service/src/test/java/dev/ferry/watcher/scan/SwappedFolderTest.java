package dev.ferry.watcher.scan;

import dev.ferry.chunker.ChunkSink;
import dev.ferry.chunker.Chunker;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.EntryType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local user swaps a folder of SOURCE for a link to a folder outside it (holding a secret) while the watcher
 * scans and reads: nothing outside SOURCE is ever listed, stat'ed, read or reported.
 */
class SwappedFolderTest {
    private static final String SECRET = "SECRET-KEY-MATERIAL-0123456789";

    @TempDir
    Path root;
    @TempDir
    Path outside;
    @TempDir
    Path parking;

    private Path d;
    private final ByteArrayOutputStream read = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws IOException {
        Files.createDirectories(root.resolve("d/sub"));
        d = root.resolve("d");
        Files.writeString(d.resolve("data.txt"), "inside data");
        Files.writeString(d.resolve("sub/x.txt"), "inside x");
        Files.writeString(outside.resolve("data.txt"), SECRET);
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.createDirectories(outside.resolve("sub"));
        Files.writeString(outside.resolve("sub/x.txt"), SECRET);
    }

    /** Moves d out of SOURCE and puts a link to the outside folder in its place. */
    private void swapIn() throws IOException {
        Files.move(d, parking.resolve("d"));
        Files.createSymbolicLink(d, outside);
    }

    private void swapBack() throws IOException {
        Files.delete(d);
        Files.move(parking.resolve("d"), d);
    }

    /** A chunker that keeps every byte the hasher read, to tell whether the secret was ever read. */
    private final class RecordingChunker implements Chunker {
        private final Chunker inner = new FastCdc(ChunkerParams.DEFAULT);

        @Override
        public ChunkerParams params() {
            return inner.params();
        }

        @Override
        public void split(InputStream in, ChunkSink sink) throws IOException {
            inner.split(new FilterInputStream(in) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        read.write(b);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    if (n > 0) {
                        read.write(buf, off, n);
                    }
                    return n;
                }
            }, sink);
        }
    }

    private boolean secretWasRead() {
        return read.toString(StandardCharsets.UTF_8).contains(SECRET);
    }

    @Test
    void aFolderSwappedForALinkBetweenItsStatAndItsListingIsNotListed() {
        Map<String, ScannedEntry> found = new TreeMap<>();
        List<String> unlisted = new ArrayList<>();
        new SourceScanner(root).walk("", new SourceScanner.Visitor() {
            @Override
            public void entry(ScannedEntry entry) {
                found.put(entry.path(), entry);
            }

            @Override
            public void beforeListing(String dirPath, Path dir) {
                if (dirPath.equals("d")) {
                    try {
                        swapIn();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }

            @Override
            public void unlisted(String dirPath) {
                unlisted.add(dirPath);
            }
        });
        assertTrue(Files.isSymbolicLink(d), "the swap happened");
        assertFalse(found.containsKey("d/secret.txt"), "listed through the link: " + found.keySet());
        assertFalse(found.containsKey("d/sub/x.txt"), "listed through the link: " + found.keySet());
        assertEquals(List.of("d"), unlisted, "what d holds now is unknown, not empty");
    }

    @Test
    void aFolderSwappedForALinkBetweenAFilesStatAndItsReadIsNotReadThrough() throws IOException {
        SourceScanner scanner = new SourceScanner(root);
        FileHasher hasher = new FileHasher(new RecordingChunker(), scanner);
        ScannedEntry data = scanner.stat("d/data.txt");
        ScannedEntry deep = scanner.stat("d/sub/x.txt");
        swapIn();

        HashResult first = hasher.hash(data);
        HashResult second = hasher.hash(deep);

        assertFalse(secretWasRead(), "read through the link: " + read.toString(StandardCharsets.UTF_8));
        assertInstanceOf(HashResult.Vanished.class, first);
        assertInstanceOf(HashResult.Vanished.class, second);
        assertNull(scanner.stat("d/secret.txt"), "stat'ed through the link");
    }

    @Test
    void aFolderSwappedForALinkBetweenTheChecksOfAnOpenIsNotReadThrough() throws IOException {
        SourceScanner scanner = new SourceScanner(root);
        ScannedEntry data = scanner.stat("d/data.txt");
        AtomicInteger steps = new AtomicInteger();
        scanner.betweenSteps(path -> {
            if (steps.incrementAndGet() == 2) {
                try {
                    swapIn();
                    // What the path now names outside is a regular file of the same name.
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        });
        // The folder handle was opened before the swap: the read stays on the file the scan saw, inside SOURCE.
        try (SeekableByteChannel ch = scanner.open("d/data.txt", data.inode())) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            ch.read(buf);
            assertEquals("inside data", new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            // Also fine: the swap was noticed. Never the outside file's bytes.
        }
        assertEquals(2, steps.get(), "the swap ran between the checks and the open");
        assertTrue(Files.isSymbolicLink(d));
        // Opened after the swap (the uploader's read of a chunk): the path leads through a link, so it is not opened.
        assertThrows(NoSuchFileException.class, () -> scanner.open("d/data.txt", -1).close());
        assertThrows(NoSuchFileException.class, () -> scanner.open("d/sub/x.txt", -1).close());
    }

    @Test
    void aFolderSwappedBackAndForthDuringScansAndReadsNeverLeadsOutOfSource() throws Exception {
        SourceScanner scanner = new SourceScanner(root);
        FileHasher hasher = new FileHasher(new RecordingChunker(), scanner);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger swaps = new AtomicInteger();
        Thread swapper = new Thread(() -> {
            try {
                while (!stop.get()) {
                    swapIn();
                    swapBack();
                    swaps.incrementAndGet();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, "swapper");
        swapper.start();
        int scans = 0;
        int sawLink = 0;
        int sawFolder = 0;
        int hashedInside = 0;
        List<String> leaks = new ArrayList<>();
        long minEnd = System.nanoTime() + 2_000_000_000L;
        long maxEnd = System.nanoTime() + 30_000_000_000L;
        try {
            while (System.nanoTime() < maxEnd && (System.nanoTime() < minEnd || sawLink < 20 || sawFolder < 20
                    || swaps.get() < 200)) {
                Map<String, ScannedEntry> found = new TreeMap<>();
                scanner.walk("", e -> found.put(e.path(), e));
                scans++;
                ScannedEntry top = found.get("d");
                if (top != null && top.type() == EntryType.SYMLINK) {
                    sawLink++;
                } else if (top != null && top.type() == EntryType.DIRECTORY) {
                    sawFolder++;
                }
                for (String path : found.keySet()) {
                    if (path.contains("secret")) {
                        leaks.add("listed " + path);
                    }
                }
                for (ScannedEntry e : found.values()) {
                    if (e.type() == EntryType.FILE && hasher.hash(e) instanceof HashResult.Hashed) {
                        hashedInside++;
                    }
                }
                try {
                    if (scanner.stat("d/secret.txt") != null) {
                        leaks.add("stat'ed d/secret.txt");
                    }
                } catch (IOException e) {
                    // d changed while it was looked at: unknown, which is fine
                }
                if (secretWasRead()) {
                    leaks.add("hashed the secret");
                    read.reset();
                }
            }
        } finally {
            stop.set(true);
            swapper.join();
        }
        System.out.printf("swap race: %d swaps, %d scans (d a link in %d, a folder in %d), %d files hashed inside%n",
                swaps.get(), scans, sawLink, sawFolder, hashedInside);
        assertEquals(List.of(), leaks.stream().distinct().toList());
        assertTrue(swaps.get() >= 200 && sawLink >= 20 && sawFolder >= 20,
                "the race did not interleave: " + swaps.get() + " swaps, d a link in " + sawLink + " scans, a folder in "
                        + sawFolder);
        assertTrue(hashedInside > 0, "some files were read at all");
    }
}
