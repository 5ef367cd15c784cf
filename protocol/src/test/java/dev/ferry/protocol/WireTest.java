package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WireTest {
    private static ChunkHash hashOf(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ChunkHash.compute(b, 0, b.length);
    }

    private static Manifest sampleFile() {
        return Manifest.file("dir/f\u00e9.txt", 0755, 1_700_000_000_123_456_789L, 10,
                List.of(new ChunkRef(hashOf("a"), 4), new ChunkRef(hashOf("b"), 6)));
    }

    @Test
    void everyMessageSurvivesARoundTrip() throws ProtocolException {
        List<Message> messages = List.of(
                new Message.Hello(Message.VERSION, "laptop", ChunkerParams.DEFAULT, RootDigest.EMPTY, 3),
                new Message.Welcome(Message.VERSION, "store-1", ChunkerParams.DEFAULT, false),
                new Message.Welcome(Message.VERSION, "store-1", ChunkerParams.DEFAULT, true, ChunkCodec.DECODED),
                new Message.IndexBatch(List.of(new Message.IndexEntry("a", "00ff")), true),
                new Message.Need(List.of("a", "b/c"), true),
                new Message.Changes(7, List.of(new Change.Upsert(sampleFile()), new Change.Delete("gone"),
                        new Change.Move("old", Manifest.directory("new", 0700, 5)),
                        new Change.Upsert(Manifest.symlink("link", 9, "../target")))),
                new Message.Missing(7, List.of(hashOf("a"), hashOf("b"))),
                new Message.Ack(7, List.of(new Message.Failure("x", "disk full"))),
                new Message.Check("abc"),
                new Message.Checked("abc", true),
                new Message.Hello(Message.VERSION, "laptop", ChunkerParams.DEFAULT, RootDigest.EMPTY, 3, "src-1", null,
                        null, true),
                new Message.Plan(List.of(new Message.PlanEntry("a", "00ff", "11ee", false),
                        new Message.PlanEntry("d", "22dd", "33cc", true)), true),
                new Message.Planned(List.of(new Message.PlannedItem("move", "new", "old", null, false),
                        new Message.PlannedItem("update", "x", null, "metadata", false)), false),
                new Message.Error("bad-path", "no"));
        for (Message m : messages) {
            String frame = Wire.encode(m);
            assertEquals(m, Wire.decode(frame), frame);
        }
    }

    @Test
    void aWelcomeSaysWhichChunkCodecsTheStoreDecodes() throws ProtocolException {
        String now = Wire.encode(new Message.Welcome(3, "s", ChunkerParams.DEFAULT, false, ChunkCodec.DECODED));
        assertTrue(now.contains("\"chunkCodecs\":[\"zstd\"]"), now);
        Message.Welcome current = (Message.Welcome) Wire.decode(now);
        assertTrue(current.decodes(ChunkCodec.ZSTD) && current.decodes(ChunkCodec.NONE));
        // A store before coded records sends no such field: the watcher must send plain records only.
        Message.Welcome old = (Message.Welcome) Wire.decode(Wire.encode(new Message.Welcome(2, "s", ChunkerParams.DEFAULT, false)));
        assertFalse(old.decodes(ChunkCodec.ZSTD) || old.decodes(ChunkCodec.NONE));
        assertFalse(Wire.encode(old).contains("chunkCodecs"));
    }

    @Test
    void chunkListsArePackedCompactly() {
        String frame = Wire.encode(new Message.Changes(1, List.of(new Change.Upsert(sampleFile()))));
        // Two chunks of 36 bytes pack into 96 base64 characters, not two JSON objects with 64-digit hex.
        assertTrue(frame.length() < 260, frame);
    }

    @Test
    void malformedFramesAreProtocolErrors() {
        for (String frame : List.of("", "null", "{", "[]", "{\"type\":\"nope\"}", "{\"type\":\"changes\",\"batch\":\"x\"}",
                "{\"type\":\"changes\",\"batch\":1,\"items\":[{\"op\":\"upsert\",\"entry\":{\"path\":\"a\",\"type\":\"file\","
                        + "\"size\":5,\"chunks\":\"\"}}]}",
                "{\"type\":\"missing\",\"batch\":1,\"chunks\":\"abc\"}")) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> Wire.decode(frame), frame);
            assertEquals("bad-message", e.code());
        }
    }

    @Test
    void unknownFieldsAreIgnoredForForwardCompatibility() throws ProtocolException {
        Message m = Wire.decode("{\"type\":\"check\",\"rootDigest\":\"x\",\"future\":1}");
        assertInstanceOf(Message.Check.class, m);
    }

    @Test
    void digestIgnoresPathButNotContentOrMetadata() {
        Manifest f = sampleFile();
        assertEquals(f.digest(), f.withPath("elsewhere").digest());
        assertNotEquals(f.digest(), Manifest.file(f.path(), 0644, f.mtimeNs(), f.size(), f.chunks()).digest());
        assertNotEquals(f.digest(), Manifest.file(f.path(), f.mode(), f.mtimeNs() + 1, f.size(), f.chunks()).digest());
    }

    @Test
    void manifestsRejectInconsistentValues() {
        assertThrows(IllegalArgumentException.class, () -> Manifest.file("a", 0644, 0, 11, sampleFile().chunks()));
        assertThrows(IllegalArgumentException.class, () -> Manifest.symlink("a", 0, ""));
        assertThrows(IllegalArgumentException.class, () -> Manifest.directory("a", 010000, 0));
    }

    @Test
    void rootDigestDependsOnEveryPathAndDigest() {
        String a = RootDigest.of(java.util.Map.of("a", "1", "b", "2"));
        assertEquals(a, RootDigest.of(new java.util.TreeMap<>(java.util.Map.of("b", "2", "a", "1"))));
        assertNotEquals(a, RootDigest.of(java.util.Map.of("a", "1", "b", "3")));
        assertNotEquals(a, RootDigest.of(java.util.Map.of("a", "1", "c", "2")));
        assertNotEquals(a, RootDigest.EMPTY);
    }

    @Test
    void theContentDigestIgnoresModeAndMtimeOnly() {
        Manifest f = sampleFile();
        Manifest touched = new Manifest(f.path(), f.type(), 0600, f.mtimeNs() + 1, f.size(), f.chunks(), null);
        Manifest edited = Manifest.file(f.path(), f.mode(), f.mtimeNs(), 10,
                List.of(new ChunkRef(hashOf("a"), 4), new ChunkRef(hashOf("c"), 6)));
        assertNotEquals(f.digest(), touched.digest());
        assertEquals(f.contentDigest(), touched.contentDigest());
        assertNotEquals(f.contentDigest(), edited.contentDigest());
        assertEquals(f.contentDigest(), f.withPath("elsewhere").contentDigest(), "a moved file keeps its content digest");
        assertNotEquals(Manifest.directory("d", 0755, 1).contentDigest(), Manifest.file("d", 0755, 1, 0, List.of()).contentDigest());
        assertTrue(!Wire.encode(new Message.Hello(Message.VERSION, "w", ChunkerParams.DEFAULT, "r", 0)).contains("dryRun"),
                "a syncing hello says nothing of dry runs");
    }
}
