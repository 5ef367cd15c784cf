package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ChangeApplier}: changes become files in DEST (now or when their chunks arrive), moves rename, bad patches fail. */
class ChangeApplierTest extends SyncRoleTest {
    CapturingChannel channel;
    SyncSession session;

    @BeforeEach
    void open() throws Exception {
        channel = new CapturingChannel("c1");
        session = store.greeted(channel, "src");
    }

    @Test
    void aFileWhoseChunksAreStoredAppearsInDestAndIsAcknowledged() throws Exception {
        TestData.FileData data = TestData.file(50_000, 16_000);
        store.store(data);

        store.send(session, 1, new Change.Upsert(data.manifest("docs/a.bin", 0644, 1_000_000_000L)));

        assertEquals(List.of(), channel.next(Message.Missing.class).chunks());
        Message.Ack ack = channel.next(Message.Ack.class);
        assertEquals(1, ack.batch());
        assertEquals(List.of(), ack.failed());
        assertArrayEquals(data.bytes(), Files.readAllBytes(dest.resolve("docs/a.bin")));
        assertNotNull(store.index.get("docs/a.bin"));
    }

    @Test
    void aFileWaitsForItsChunksAndIsAcknowledgedOnceTheyArrive() throws Exception {
        TestData.FileData data = TestData.file(50_000, 16_000);
        List<ChunkHash> hashes = data.chunks().stream().map(ChunkRef::hash).toList();

        store.send(session, 2, new Change.Upsert(data.manifest("b.bin", 0644, 1L)));

        assertEquals(hashes, channel.next(Message.Missing.class).chunks());
        assertNull(channel.poll(), "no ack while chunks are missing");
        assertTrue(Files.notExists(dest.resolve("b.bin")));
        assertEquals(1, store.pending.size());

        store.store(data);
        store.onApply(() -> store.changes.chunksArrived(hashes));

        Message.Ack ack = channel.next(Message.Ack.class);
        assertEquals(2, ack.batch());
        assertEquals(List.of(), ack.failed());
        assertArrayEquals(data.bytes(), Files.readAllBytes(dest.resolve("b.bin")));
        assertEquals(0, store.pending.size());
    }

    @Test
    void aDeleteSupersedesAFileWaitingForChunksWhichThenNeverAppears() throws Exception {
        TestData.FileData data = TestData.file(30_000, 16_000);
        List<ChunkHash> hashes = data.chunks().stream().map(ChunkRef::hash).toList();
        store.send(session, 5, new Change.Upsert(data.manifest("late.bin", 0644, 1L)));
        assertEquals(hashes, channel.next(Message.Missing.class).chunks());

        store.send(session, 6, new Change.Delete("late.bin"));

        channel.next(Message.Missing.class);
        assertEquals(java.util.Set.of(5L, 6L), java.util.Set.of(channel.next(Message.Ack.class).batch(),
                channel.next(Message.Ack.class).batch()), "the superseded batch is done too");
        assertEquals(0, store.pending.size());
        store.store(data);
        store.onApply(() -> store.changes.chunksArrived(hashes));
        assertTrue(Files.notExists(dest.resolve("late.bin")), "a deleted file does not come back with its chunks");
        assertNull(store.index.get("late.bin"));
    }

    @Test
    void aMoveRenamesTheFileInDest() throws Exception {
        TestData.FileData data = TestData.file(20_000, 8_000);
        store.store(data);
        store.applied(data.manifest("old.bin", 0644, 1L));

        store.send(session, 3, new Change.Move("old.bin", data.manifest("dir/new.bin", 0644, 1L)));

        channel.next(Message.Missing.class);
        assertEquals(List.of(), channel.next(Message.Ack.class).failed());
        assertArrayEquals(data.bytes(), Files.readAllBytes(dest.resolve("dir/new.bin")));
        assertTrue(Files.notExists(dest.resolve("old.bin")));
        assertNull(store.index.get("old.bin"));
        assertNotNull(store.index.get("dir/new.bin"));
    }

    @Test
    void aPatchOnABaseTheStoreDoesNotHoldFailsWithBaseUnknown() throws Exception {
        TestData.FileData base = TestData.file(20_000, 8_000);
        TestData.FileData target = TestData.file(20_000, 8_000);
        Change.Patch patch = Change.Patch.of(target.manifest("p.bin", 0644, 1L), "absent.bin",
                base.manifest("absent.bin", 0644, 1L), false);

        store.send(session, 4, patch);

        assertEquals(List.of(), channel.next(Message.Missing.class).chunks());
        Message.Ack ack = channel.next(Message.Ack.class);
        assertEquals(1, ack.failed().size());
        assertEquals("p.bin", ack.failed().get(0).path());
        assertEquals(ErrorCode.BASE_UNKNOWN.wire(), ack.failed().get(0).code());
        assertTrue(Files.notExists(dest.resolve("p.bin")));
    }
}
