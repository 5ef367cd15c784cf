package dev.ferry.store.ws;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StateDatabase;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@TestProfile(TempDestProfile.class)
class SyncEndpointTest {
    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    StateDatabase db;

    private WsClient greeted(String clientId) throws Exception {
        WsClient c = WsClient.connect(sync, null);
        c.send(new Message.Hello(Message.VERSION, clientId, ChunkerParams.DEFAULT, "not-a-digest", 0));
        assertFalse(c.next(Message.Welcome.class).inSync());
        return c;
    }

    private static Message.Changes changes(long batch, Change... items) {
        return new Message.Changes(batch, List.of(items));
    }

    private static void upload(List<byte[]> chunks) {
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(chunks)).post(Endpoints.CHUNK_BATCH)
                .then().statusCode(200);
    }

    /** What the index on disk holds: a copy of the state database, opened on its own. */
    private MirrorIndex durableIndex() throws Exception {
        Path copy = Files.createTempDirectory("state-copy").resolve(StateDatabase.FILE);
        Files.copy(db.file(), copy);
        return MirrorIndex.open(copy, null);
    }

    private Path dest(String rel) {
        return layout.dest().resolve(rel);
    }

    private static long mtime(Path p) throws Exception {
        return Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .lastModifiedTime().to(TimeUnit.NANOSECONDS);
    }

    @Test
    void helloIsWelcomedWithTheRootDigestVerdict() throws Exception {
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION, "w1", ChunkerParams.DEFAULT, index.rootDigest(), index.size()));
            Message.Welcome w = c.next(Message.Welcome.class);
            assertTrue(w.inSync());
            assertEquals(layout.storeId(), w.storeId());
            assertEquals(ChunkerParams.DEFAULT, w.chunker());
            c.send(new Message.Hello(Message.VERSION, "w1", ChunkerParams.DEFAULT, "other", 0));
            assertFalse(c.next(Message.Welcome.class).inSync());
            c.send(new Message.Check(index.rootDigest()));
            Message.Checked checked = c.next(Message.Checked.class);
            assertTrue(checked.inSync());
            assertEquals(index.rootDigest(), checked.rootDigest());
        }
    }

    @Test
    void chunkerOrVersionMismatchIsRefusedAndClosed() throws Exception {
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION, "w", new ChunkerParams("other-cdc", 16384, 65536, 262144), "x", 0));
            Message.Error e = c.next(Message.Error.class);
            assertEquals("chunker-mismatch", e.code());
            assertTrue(e.message().contains("other-cdc") && e.message().contains(ChunkerParams.FASTCDC_V1), e.message());
            assertTrue(c.awaitClosed());
        }
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION + 1, "w", ChunkerParams.DEFAULT, "x", 0));
            assertEquals("version", c.next(Message.Error.class).code());
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void beforeHelloAnythingElseCloses() throws Exception {
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Check("x"));
            assertEquals("bad-message", c.next(Message.Error.class).code());
            assertTrue(c.awaitClosed());
        }
        try (WsClient c = WsClient.connect(sync, null)) {
            c.sendRaw("{not json");
            assertEquals("bad-message", c.next(Message.Error.class).code());
            assertTrue(c.awaitClosed());
        }
    }

    @Test
    void malformedFramesAfterHelloKeepTheConnection() throws Exception {
        try (WsClient c = greeted("w-malformed")) {
            c.sendRaw("{\"type\":\"bogus\"}");
            assertEquals("bad-message", c.next(Message.Error.class).code());
            c.sendRaw("[1,2");
            assertEquals("bad-message", c.next(Message.Error.class).code());
            c.send(new Message.Check("x"));
            c.next(Message.Checked.class);
        }
    }

    @Test
    void aNewerHelloReplacesTheOlderSession() throws Exception {
        try (WsClient first = greeted("first"); WsClient second = greeted("second")) {
            assertEquals("replaced", first.next(Message.Error.class).code());
            assertTrue(first.awaitClosed());
            second.send(new Message.Check("x"));
            second.next(Message.Checked.class);
        }
    }

    @Test
    void aFileAppearsOnceItsChunksAreUploaded() throws Exception {
        TestData.FileData f = TestData.file(250_000, 100_000);
        long dirTime = 1_600_000_000_111_222_333L;
        long fileTime = 1_600_000_100_444_555_666L;
        Manifest dir = Manifest.directory("proj", 0755, dirTime);
        Manifest file = f.manifest("proj/run.sh", 0755, fileTime);
        try (WsClient c = greeted("w-file")) {
            c.send(changes(1, new Change.Upsert(dir), new Change.Upsert(file)));
            Message.Missing missing = c.next(Message.Missing.class);
            assertEquals(1, missing.batch());
            Set<ChunkHash> expected = new HashSet<>();
            for (ChunkRef r : file.chunks()) {
                expected.add(r.hash());
            }
            assertEquals(expected, new HashSet<>(missing.chunks()));
            assertFalse(Files.exists(dest("proj/run.sh")), "not before its chunks are there");

            upload(f.pieces().subList(0, 2));
            // Written once, into the file being built: not into a pack.
            try (java.util.stream.Stream<Path> parts = Files.list(layout.tmpDir())) {
                List<Path> building = parts.toList();
                assertEquals(1, building.size(), "one file being built");
                byte[] head = Files.readAllBytes(building.get(0));
                assertArrayEquals(java.util.Arrays.copyOf(f.bytes(), 200_000), java.util.Arrays.copyOf(head, 200_000));
            }
            byte[] last = f.pieces().get(2);
            given().contentType("application/octet-stream").body(last)
                    .put(Endpoints.CHUNKS + "/" + TestData.hash(last).hex()).then().statusCode(201);
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(1, ack.batch());
            assertEquals(List.of(), ack.failed());

            Path p = dest("proj/run.sh");
            assertArrayEquals(f.bytes(), Files.readAllBytes(p));
            assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
            assertEquals(fileTime, mtime(p));
            assertEquals(dirTime, mtime(dest("proj")), "the directory keeps its mtime after a child arrived");
            assertEquals(file, index.get("proj/run.sh"));

            c.send(changes(2, new Change.Upsert(file)));
            assertEquals(List.of(), c.next(Message.Missing.class).chunks());
            assertEquals(2, c.next(Message.Ack.class).batch());
        }
    }

    /**
     * Group commit: the index is committed once for a burst of applies, but never after the ack: every file of an
     * acknowledged batch is in the state database on disk, and its directory has its recorded time back.
     */
    @Test
    void everyFileOfAnAcknowledgedBatchIsInTheJournalOnDisk() throws Exception {
        long dirTime = 1_600_000_000_000_000_000L;
        List<Change> items = new java.util.ArrayList<>();
        items.add(new Change.Upsert(Manifest.directory("many", 0755, dirTime)));
        List<byte[]> pieces = new java.util.ArrayList<>();
        List<TestData.FileData> files = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            TestData.FileData f = TestData.file(3000 + i, 100_000);
            files.add(f);
            pieces.addAll(f.pieces());
            items.add(new Change.Upsert(f.manifest("many/f-" + i + ".bin", 0644, dirTime + i)));
        }
        try (WsClient c = greeted("w-group-commit")) {
            c.send(new Message.Changes(7, items));
            assertEquals(60, c.next(Message.Missing.class).chunks().size());
            upload(pieces);
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(7, ack.batch());
            assertEquals(List.of(), ack.failed());
            try (MirrorIndex durable = durableIndex()) {
                for (int i = 0; i < 60; i++) {
                    assertNotNull(durable.get("many/f-" + i + ".bin"), "f-" + i + " committed before the ack");
                    assertArrayEquals(files.get(i).bytes(), Files.readAllBytes(dest("many/f-" + i + ".bin")));
                }
            }
            assertEquals(dirTime, mtime(dest("many")), "the directory's time restored before the ack");
        }
    }

    @Test
    void directoriesSymlinksEmptyFilesDeletesAndMoves() throws Exception {
        TestData.FileData data = TestData.file(1000, 1000);
        upload(data.pieces());
        Manifest tree = Manifest.directory("tree", 0750, 1_000_000_000L);
        Manifest empty = Manifest.file("tree/empty", 0600, 2_000_000_000L, 0, List.of());
        Manifest link = Manifest.symlink("tree/link", 3_000_000_000L, "../../outside-target");
        Manifest sub = Manifest.directory("tree/sub", 0700, 4_000_000_000L);
        Manifest file = data.manifest("tree/sub/data", 0644, 5_000_000_000L);
        try (WsClient c = greeted("w-tree")) {
            c.send(changes(10, new Change.Upsert(tree), new Change.Upsert(empty), new Change.Upsert(link),
                    new Change.Upsert(sub), new Change.Upsert(file)));
            assertEquals(List.of(), c.next(Message.Missing.class).chunks());
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest("tree"))));
            assertEquals(0, Files.size(dest("tree/empty")));
            assertEquals("../../outside-target", Files.readSymbolicLink(dest("tree/link")).toString());
            assertArrayEquals(data.bytes(), Files.readAllBytes(dest("tree/sub/data")));

            c.send(changes(11, new Change.Move("tree/sub", sub.withPath("moved")), new Change.Delete("tree/empty"),
                    new Change.Delete("never-existed")));
            assertEquals(List.of(), c.next(Message.Missing.class).chunks());
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertArrayEquals(data.bytes(), Files.readAllBytes(dest("moved/data")));
            assertFalse(Files.exists(dest("tree/sub")));
            assertFalse(Files.exists(dest("tree/empty")));
            assertNotNull(index.get("moved/data"));
            assertNull(index.get("tree/sub/data"));
            assertEquals(1_000_000_000L, mtime(dest("tree")));
        }
    }

    @Test
    void badPathsFailInTheAckAndNothingIsWrittenOutside() throws Exception {
        List<String> bad = List.of("../x", "/etc/passwd", ".ferry/x", "a/../../b", "a\u0000b");
        List<Change> items = new ArrayList<>();
        for (String p : bad) {
            items.add(new Change.Upsert(Manifest.directory(p, 0777, 1L)));
        }
        items.add(new Change.Upsert(Manifest.directory("fine", 0755, 1L)));
        items.add(new Change.Move("../escape", Manifest.directory("fine2", 0755, 1L)));
        boolean passwdWasFile = Files.isRegularFile(Path.of("/etc/passwd"));
        try (WsClient c = greeted("w-bad")) {
            c.send(new Message.Changes(20, items));
            c.next(Message.Missing.class);
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(6, ack.failed().size(), ack.toString());
            for (Message.Failure failure : ack.failed()) {
                assertNotNull(failure.reason());
            }
        }
        Path parent = layout.dest().getParent();
        assertFalse(Files.exists(parent.resolve("x")));
        assertFalse(Files.exists(parent.resolve("b")));
        assertFalse(Files.exists(dest(".ferry/x")));
        assertEquals(passwdWasFile, Files.isRegularFile(Path.of("/etc/passwd")));
        assertTrue(Files.isDirectory(dest("fine")));
        assertFalse(Files.exists(dest("fine2")), "a move with a bad source fails as a whole");
    }

    @Test
    void indexReconcileRemovesExtraEntriesAndReturnsNeed() throws Exception {
        try (WsClient c = greeted("w-reconcile")) {
            c.send(changes(30, new Change.Upsert(Manifest.directory("extra", 0755, 1L)),
                    new Change.Upsert(Manifest.directory("extra/inner", 0755, 1L)),
                    new Change.Upsert(Manifest.directory("keep", 0755, 1L))));
            c.next(Message.Missing.class);
            c.next(Message.Ack.class);
        }
        assertTrue(Files.isDirectory(dest("extra/inner")));
        try (WsClient c = greeted("w-reconcile-2")) {
            List<Message.IndexEntry> theirs = new ArrayList<>();
            for (Map.Entry<String, String> e : index.digestsDescending()) {
                if (!e.getKey().startsWith("extra")) {
                    theirs.add(new Message.IndexEntry(e.getKey(), e.getValue()));
                }
            }
            theirs.add(new Message.IndexEntry("brand-new", "00000000000000000000000000000000"));
            c.send(new Message.IndexBatch(theirs, false));
            c.send(new Message.IndexBatch(List.of(), true));
            assertEquals(List.of("brand-new"), c.next(Message.Need.class).paths());
            assertFalse(Files.exists(dest("extra")));
            assertNull(index.get("extra"));
            assertNull(index.get("extra/inner"));
            assertTrue(Files.isDirectory(dest("keep")));
            c.send(new Message.Check(index.rootDigest()));
            assertTrue(c.next(Message.Checked.class).inSync());
        }
    }

    @Test
    void laterChangesSupersedeOrRebasePendingUpserts() throws Exception {
        TestData.FileData gone = TestData.file(3000, 3000);
        TestData.FileData kept = TestData.file(4000, 4000);
        try (WsClient c = greeted("w-pending")) {
            c.send(changes(50, new Change.Upsert(gone.manifest("pend/a", 0644, 1L))));
            assertEquals(1, c.next(Message.Missing.class).chunks().size());
            c.send(changes(51, new Change.Delete("pend")));
            assertEquals(List.of(), c.next(Message.Missing.class).chunks());
            Set<Long> acked = new HashSet<>();
            acked.add(c.next(Message.Ack.class).batch());
            acked.add(c.next(Message.Ack.class).batch());
            assertEquals(Set.of(50L, 51L), acked, "a superseded upsert completes its batch");

            c.send(changes(52, new Change.Upsert(Manifest.directory("pm", 0755, 1L)),
                    new Change.Upsert(kept.manifest("pm/x", 0600, 9_000_000_000L))));
            assertEquals(1, c.next(Message.Missing.class).chunks().size());
            c.send(changes(53, new Change.Move("pm", Manifest.directory("pm2", 0755, 1L))));
            c.next(Message.Missing.class);
            assertEquals(53, c.next(Message.Ack.class).batch());
            upload(kept.pieces());
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(52, ack.batch());
            assertEquals(List.of(), ack.failed());
            assertArrayEquals(kept.bytes(), Files.readAllBytes(dest("pm2/x")));
            assertFalse(Files.exists(dest("pm")));
            assertFalse(Files.exists(dest("pend/a")));
        }
    }

    @Test
    void patchesEditMoveAndFallBackWhenTheBaseIsUnknown() throws Exception {
        TestData.FileData v1 = TestData.file(8000, 1000);
        byte[] fresh = TestData.random(1000);
        List<ChunkRef> edited = new ArrayList<>(v1.chunks());
        edited.set(4, new ChunkRef(TestData.hash(fresh), fresh.length));
        byte[] v2Bytes = v1.bytes().clone();
        System.arraycopy(fresh, 0, v2Bytes, 4000, 1000);
        Manifest m1 = v1.manifest("patch/f", 0644, 7_000_000_000L);
        Manifest m2 = Manifest.file("patch/f", 0640, 8_000_000_000L, 8000, edited);
        try (WsClient c = greeted("w-patch")) {
            c.sendCompressed(changes(60, new Change.Upsert(Manifest.directory("patch", 0755, 1L)), new Change.Upsert(m1)));
            assertEquals(8, c.next(Message.Missing.class).chunks().size());
            upload(v1.pieces());
            assertEquals(List.of(), c.next(Message.Ack.class).failed());

            Change.Patch edit = Change.Patch.of(m2, "patch/f", m1, false);
            assertTrue(edit.delta().length < 60, "one literal between two copies");
            c.sendCompressed(changes(61, edit));
            assertEquals(List.of(TestData.hash(fresh)), c.next(Message.Missing.class).chunks(), "only the new chunk");
            upload(List.of(fresh));
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertArrayEquals(v2Bytes, Files.readAllBytes(dest("patch/f")));
            assertEquals(m2, index.get("patch/f"));

            Manifest moved = m2.withPath("patch/g");
            c.sendCompressed(changes(62, Change.Patch.of(moved, "patch/f", m2, true)));
            assertEquals(List.of(), c.next(Message.Missing.class).chunks());
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertFalse(Files.exists(dest("patch/f")));
            assertArrayEquals(v2Bytes, Files.readAllBytes(dest("patch/g")));
            assertEquals(moved, index.get("patch/g"));

            Change.Patch stale = Change.Patch.of(m2.withPath("patch/h"), "patch/f", m2, false);
            Change.Patch wrongDigest = Change.Patch.of(m1.withPath("patch/i"), "patch/g", m1, false);
            c.send(changes(63, stale, wrongDigest));
            c.next(Message.Missing.class);
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(2, ack.failed().size(), ack.toString());
            for (Message.Failure f : ack.failed()) {
                assertEquals("base-unknown", f.code(), f.toString());
            }
            assertFalse(Files.exists(dest("patch/h")));
            assertFalse(Files.exists(dest("patch/i")));

            Change.Patch broken = new Change.Patch("patch/j", 0644, 1L, 8000, "patch/g", m2.digest(), false, new byte[] {1, 0, 9});
            c.send(changes(64, broken));
            c.next(Message.Missing.class);
            assertEquals("bad-message", c.next(Message.Ack.class).failed().get(0).code());
        }
    }

    @Test
    void protocolTwoCompressesLargeFramesAndProtocolOneStaysText() throws Exception {
        List<Change> dirs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            dirs.add(new Change.Upsert(Manifest.directory("many/d" + i, 0755, 1L)));
        }
        List<Message.IndexEntry> entries = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            entries.add(new Message.IndexEntry("not/there/" + i, "00000000000000000000000000000000"));
        }
        try (WsClient v1 = WsClient.connect(sync, null)) {
            v1.send(new Message.Hello(1, "w-v1", ChunkerParams.DEFAULT, "x", 0));
            assertEquals(1, v1.next(Message.Welcome.class).protocol());
            v1.send(new Message.IndexBatch(entries, true));
            assertEquals(200, v1.next(Message.Need.class).paths().size());
            assertEquals(0, v1.binaryFrames.get(), "a version 1 watcher gets text frames only");
            Change.Patch p = new Change.Patch("x", 0644, 1L, 0, "y", "d", false, new byte[0]);
            v1.send(changes(70, p));
            v1.next(Message.Missing.class);
            assertEquals("bad-message", v1.next(Message.Ack.class).failed().get(0).code(), "no patches in protocol 1");
        }
        try (WsClient v2 = WsClient.connect(sync, null)) {
            v2.send(new Message.Hello(Message.VERSION, "w-v2", ChunkerParams.DEFAULT, "x", 0));
            assertEquals(Message.VERSION, v2.next(Message.Welcome.class).protocol());
            v2.sendCompressed(new Message.IndexBatch(entries, true));
            assertEquals(200, v2.next(Message.Need.class).paths().size());
            assertEquals(1, v2.binaryFrames.get(), "the long need list came compressed");
            v2.sendCompressed(new Message.Changes(71, dirs));
            v2.next(Message.Missing.class);
            assertEquals(List.of(), v2.next(Message.Ack.class).failed());
            assertTrue(Files.isDirectory(dest("many/d199")));
            v2.sendBinaryRaw(new byte[] {(byte) 0xff, 0, 1});
            assertEquals("bad-message", v2.next(Message.Error.class).code());
            v2.send(new Message.Check("x"));
            v2.next(Message.Checked.class);
        }
    }

    /** Issue 11 item 1: "in sync" means DEST itself, so foreign entries are gone before a check says so. */
    @Test
    void aCheckIsInSyncOnlyOnceDestHoldsNothingForeign() throws Exception {
        try (WsClient c = greeted("w-foreign")) {
            c.send(changes(90, new Change.Upsert(Manifest.directory("kept", 0755, 1L))));
            c.next(Message.Missing.class);
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            Files.writeString(dest("foreign.txt"), "an old copy");
            Files.createDirectories(dest("old-folder/deeper"));
            Files.writeString(dest("old-folder/deeper/f"), "x");
            Files.writeString(dest("kept/stray"), "x");
            c.send(new Message.Check(index.rootDigest()));
            Message.Checked checked = c.next(Message.Checked.class);
            assertFalse(Files.exists(dest("foreign.txt"), LinkOption.NOFOLLOW_LINKS), "gone before the answer");
            assertFalse(Files.exists(dest("old-folder"), LinkOption.NOFOLLOW_LINKS));
            assertFalse(Files.exists(dest("kept/stray"), LinkOption.NOFOLLOW_LINKS));
            assertTrue(checked.inSync(), checked.toString());
            assertNull(checked.problem());
            assertTrue(Files.isDirectory(dest("kept")));
        }
    }

    /** Issue 11 item 6: a failed index commit acknowledges nothing, closes the session, and is repaired. */
    @Test
    void aFailedJournalWriteStopsAcksClosesTheSessionAndTheJournalIsRewritten() throws Exception {
        java.util.concurrent.atomic.AtomicBoolean failOnce = new java.util.concurrent.atomic.AtomicBoolean();
        db.commitHookForTests(() -> {
            if (failOnce.compareAndSet(true, false)) {
                throw new java.io.IOException("No space left on device (injected)");
            }
        });
        try {
            try (WsClient c = greeted("w-journal")) {
                c.send(changes(80, new Change.Upsert(Manifest.directory("jr1", 0755, 1L))));
                c.next(Message.Missing.class);
                assertEquals(80, c.next(Message.Ack.class).batch());

                failOnce.set(true);
                c.send(changes(81, new Change.Upsert(Manifest.directory("jr2", 0755, 1L))));
                c.next(Message.Missing.class);
                Message after = c.nextAny();
                assertTrue(after instanceof Message.Error e && e.code().equals("journal-failed"),
                        "expected error journal-failed, not " + after);
                assertTrue(c.awaitClosed(), "the session is closed");
                for (Message m = c.poll(0); m != null; m = c.poll(0)) {
                    assertFalse(m instanceof Message.Ack, "no ack after the failed write: " + m);
                }
            }
            assertFalse(failOnce.get(), "the failure was injected");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (index.failure() != null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertNull(index.failure(), "the index is committed after the session is closed");
            try (MirrorIndex durable = durableIndex()) {
                assertNotNull(durable.get("jr2"), "jr2 is applied, so it is committed");
            }

            try (WsClient c = greeted("w-journal-2")) {
                c.send(changes(82, new Change.Upsert(Manifest.directory("jr3", 0755, 1L))));
                c.next(Message.Missing.class);
                Message.Ack ack = c.next(Message.Ack.class);
                assertEquals(82, ack.batch());
                assertEquals(List.of(), ack.failed());
                c.send(new Message.Check(index.rootDigest()));
                assertTrue(c.next(Message.Checked.class).inSync());
            }
            try (MirrorIndex replayed = durableIndex()) {
                assertEquals(index.rootDigest(), replayed.rootDigest(), "the database on disk holds the whole index");
                assertNotNull(replayed.get("jr2"));
                assertNotNull(replayed.get("jr3"));
            }
        } finally {
            db.commitHookForTests(dev.ferry.store.storage.StateDatabase.CommitHook.NONE);
        }
    }

    /** Issue 11 item 7c: a move with new content keeps its source until the new file is complete. */
    @Test
    void aMoveWithNewContentKeepsTheSourceUntilTheNewFileIsInPlace() throws Exception {
        TestData.FileData v1 = TestData.file(6000, 1000);
        byte[] fresh = TestData.random(1000);
        List<ChunkRef> edited = new ArrayList<>(v1.chunks());
        edited.set(2, new ChunkRef(TestData.hash(fresh), fresh.length));
        byte[] v2Bytes = v1.bytes().clone();
        System.arraycopy(fresh, 0, v2Bytes, 2000, 1000);
        Manifest m1 = v1.manifest("mv/a", 0644, 7_000_000_000L);
        Manifest m2 = Manifest.file("mv/b", 0644, 8_000_000_000L, 6000, edited);
        try (WsClient c = greeted("w-move-new")) {
            upload(v1.pieces());
            c.send(changes(100, new Change.Upsert(Manifest.directory("mv", 0755, 1L)), new Change.Upsert(m1)));
            c.next(Message.Missing.class);
            assertEquals(List.of(), c.next(Message.Ack.class).failed());

            c.send(changes(101, new Change.Move("mv/a", m2)));
            assertEquals(List.of(TestData.hash(fresh)), c.next(Message.Missing.class).chunks());
            assertArrayEquals(v1.bytes(), Files.readAllBytes(dest("mv/a")), "the source stays while the new file waits");
            assertEquals(m1, index.get("mv/a"));
            assertFalse(Files.exists(dest("mv/b")));

            upload(List.of(fresh));
            Message.Ack ack = c.next(Message.Ack.class);
            assertEquals(101, ack.batch());
            assertEquals(List.of(), ack.failed());
            assertArrayEquals(v2Bytes, Files.readAllBytes(dest("mv/b")));
            assertFalse(Files.exists(dest("mv/a")), "removed once the new file is in place");
            assertNull(index.get("mv/a"));
            assertEquals(m2, index.get("mv/b"));
        }
    }
}
