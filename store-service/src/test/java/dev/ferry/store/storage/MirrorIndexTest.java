package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RootDigest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorIndexTest {
    @TempDir
    Path dir;

    private MirrorIndex open() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        return new MirrorIndex(dir.resolve("index.log"), dir.resolve("tmp"));
    }

    @Test
    void replaysTheJournalAndIgnoresATornLastLine() throws Exception {
        Manifest file = TestData.file(1000, 400).manifest("a/f", 0644, 1_700_000_000_123_456_789L);
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.put(file);
            index.put(Manifest.symlink("a/l", 5L, "f"));
            index.put(Manifest.directory("gone", 0755, 1L));
            index.put(Manifest.directory("gone/sub", 0755, 1L));
            index.remove("gone");
            index.flush();
        }
        Files.writeString(dir.resolve("index.log"), "{\"put\":{\"path\":\"torn\",\"ty", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        try (MirrorIndex index = open()) {
            assertEquals(3, index.size());
            assertEquals(file, index.get("a/f"));
            assertEquals("f", index.get("a/l").target());
            assertNull(index.get("gone/sub"));
            assertNull(index.get("torn"));
        }
        List<String> compacted = Files.readAllLines(dir.resolve("index.log"));
        assertEquals(3, compacted.size(), "compacted to one line per entry: " + compacted);
    }

    @Test
    void rootDigestIsTheProtocolsAndTracksChanges() throws Exception {
        try (MirrorIndex index = open()) {
            assertEquals(RootDigest.EMPTY, index.rootDigest());
            Manifest d = Manifest.directory("d", 0755, 10L);
            Manifest f = TestData.file(100, 100).manifest("d/x", 0600, 20L);
            Manifest g = TestData.file(10, 100).manifest("d-2", 0600, 20L);
            index.put(d);
            index.put(f);
            index.put(g);
            Map<String, String> expected = new HashMap<>();
            expected.put("d", d.digest());
            expected.put("d/x", f.digest());
            expected.put("d-2", g.digest());
            assertEquals(RootDigest.of(expected), index.rootDigest());
            assertTrue(index.hasBelow("d"));
            assertFalse(index.hasBelow("d-2"));
        }
    }

    @Test
    void rebaseMovesASubtreeAndAFileReplacesWhatWasBelowIt() throws Exception {
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.put(Manifest.directory("a/b", 0755, 1L));
            index.put(Manifest.symlink("a/b/c", 1L, "x"));
            index.rebase("a", "z");
            assertNull(index.get("a"));
            assertNotNull(index.get("z/b/c"));
            index.put(Manifest.file("z", 0644, 1L, 0, List.of()));
            assertEquals(1, index.size());
            index.put(Manifest.directory("z/q", 0755, 1L));
            assertNull(index.get("z"), "a file cannot be the parent of an entry");
        }
    }

    /** Issue 11 item 6: after a torn write nothing is appended and flush fails until the journal is rewritten. */
    @Test
    void aFailedJournalWriteFailsEveryFlushUntilTheJournalIsRewrittenFromMemory() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean();
        try (MirrorIndex index = open()) {
            index.put(Manifest.directory("a", 0755, 1L));
            index.flush();
            index.journalDiskForTests(new MirrorIndex.JournalDisk() {
                @Override
                public void write(java.nio.channels.FileChannel channel, java.nio.ByteBuffer bytes) throws java.io.IOException {
                    if (full.get()) {
                        bytes.limit(bytes.position() + bytes.remaining() / 2);
                        MirrorIndex.JournalDisk.super.write(channel, bytes);
                        throw new java.io.IOException("No space left on device (injected)");
                    }
                    MirrorIndex.JournalDisk.super.write(channel, bytes);
                }
            });
            full.set(true);
            index.put(Manifest.directory("b", 0755, 1L));
            assertThrows(java.io.IOException.class, index::flush);
            assertNotNull(index.failure());
            full.set(false);
            index.put(Manifest.directory("c", 0755, 1L));
            assertThrows(java.io.IOException.class, index::flush, "still failed: its tail is torn");
            List<String> torn = Files.readAllLines(dir.resolve("index.log"));
            assertFalse(torn.get(torn.size() - 1).endsWith("}"), "the injected failure tore the last line: " + torn);

            index.recover();
            assertNull(index.failure());
            index.put(Manifest.directory("d", 0755, 1L));
            index.flush();
        }
        List<String> lines = Files.readAllLines(dir.resolve("index.log"));
        assertEquals(4, lines.size(), "a, b, c from memory, then d appended: " + lines);
        try (MirrorIndex index = open()) {
            for (String path : List.of("a", "b", "c", "d")) {
                assertNotNull(index.get(path), path);
            }
        }
    }
}
