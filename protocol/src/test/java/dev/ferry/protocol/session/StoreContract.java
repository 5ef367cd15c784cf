package dev.ferry.protocol.session;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RootDigest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sync contract every store keeps, run against each of them (restic's backend test suite is the model): the
 * real store (store-service's {@code StoreContractTest}, over its WebSocket and REST upload) and the watcher tests'
 * {@code FakeStore} ({@code FakeStoreContractTest}), so the fake the engine's tests trust cannot drift from the store.
 * It plays a watcher: messages out, the store's answers read back in order, chunks uploaded where it asks.
 * Each test starts its own session with an empty index (a reconcile of an empty tree), so the tests share a store.
 */
public abstract class StoreContract {
    /** How long a store may take to answer one message. */
    protected static final long ANSWER_MILLIS = 15_000;

    /** One connection to the store under test. */
    protected interface Connection extends AutoCloseable {
        void send(Message message) throws Exception;

        /** The store's next message, or null when none came within {@code millis}. */
        Message poll(long millis) throws Exception;
    }

    /** Opens a connection to the store. */
    protected abstract Connection connect() throws Exception;

    /** Stores chunks as the watcher's REST upload does. */
    protected abstract void upload(List<byte[]> chunks) throws Exception;

    @Test
    void aHelloIsWelcomedWithTheStoresChunkerAndVersion() throws Exception {
        try (Connection c = connect()) {
            c.send(hello(ChunkerParams.DEFAULT));
            Message.Welcome w = next(c, Message.Welcome.class);
            assertEquals(Message.VERSION, w.protocol());
            assertEquals(ChunkerParams.DEFAULT, w.chunker());
            assertFalse(w.inSync(), "a hello with another tree's digest is not in sync");
        }
    }

    @Test
    void aHelloWithOtherChunkerParamsIsRefused() throws Exception {
        try (Connection c = connect()) {
            c.send(hello(new ChunkerParams(ChunkerParams.FASTCDC_V1, 8 * 1024, 32 * 1024, 128 * 1024)));
            assertEquals(ErrorCode.CHUNKER_MISMATCH, next(c, Message.Error.class).errorCode());
        }
    }

    @Test
    void aFileIsAcknowledgedOnceTheChunksItMissedArrive() throws Exception {
        try (Connection c = session()) {
            List<byte[]> pieces = List.of(bytes("contract one, first chunk"), bytes("contract one, second chunk"));
            Manifest file = file("contract-one.txt", pieces);
            c.send(new Message.Changes(1, List.of(new Change.Upsert(file))));
            Message.Missing missing = next(c, Message.Missing.class);
            assertEquals(1, missing.batch());
            assertEquals(Set.of(file.chunks().get(0).hash(), file.chunks().get(1).hash()), new HashSet<>(missing.chunks()));
            upload(pieces);
            Message.Ack ack = next(c, Message.Ack.class);
            assertEquals(1, ack.batch());
            assertEquals(List.of(), ack.failed());
            assertInSync(c, Map.of(file.path(), file.digest()));
        }
    }

    @Test
    void aFileWhoseChunksTheStoreHoldsIsAcknowledgedWithoutAsking() throws Exception {
        List<byte[]> pieces = List.of(bytes("contract two, held already"));
        upload(pieces);
        try (Connection c = session()) {
            Manifest file = file("contract-two.txt", pieces);
            c.send(new Message.Changes(4, List.of(new Change.Upsert(file))));
            Message.Ack ack = nextAck(c);
            assertEquals(4, ack.batch());
            assertEquals(List.of(), ack.failed());
            assertInSync(c, Map.of(file.path(), file.digest()));
        }
    }

    @Test
    void aDeleteLeavesWhatRemainsInSync() throws Exception {
        List<byte[]> a = List.of(bytes("contract three, kept"));
        List<byte[]> b = List.of(bytes("contract three, deleted"));
        upload(a);
        upload(b);
        try (Connection c = session()) {
            Manifest kept = file("contract-kept.txt", a);
            Manifest gone = file("contract-gone.txt", b);
            c.send(new Message.Changes(1, List.of(new Change.Upsert(kept), new Change.Upsert(gone))));
            assertEquals(List.of(), nextAck(c).failed());
            c.send(new Message.Changes(2, List.of(new Change.Delete(gone.path()))));
            Message.Ack ack = nextAck(c);
            assertEquals(2, ack.batch());
            assertEquals(List.of(), ack.failed());
            assertInSync(c, Map.of(kept.path(), kept.digest()));
        }
    }

    @Test
    void aCheckOfAnotherTreeIsNotInSync() throws Exception {
        try (Connection c = session()) {
            c.send(new Message.Check(RootDigest.of(Map.of("not-there.txt", "ab".repeat(32)))));
            Message.Checked checked = next(c, Message.Checked.class);
            assertFalse(checked.inSync());
            assertEquals(RootDigest.EMPTY, checked.rootDigest(), "the store's own digest: its index is empty");
        }
    }

    @Test
    void aPatchOnABaseTheStoreLacksFailsWithBaseUnknown() throws Exception {
        List<byte[]> pieces = List.of(bytes("contract four, the base"));
        List<byte[]> edited = List.of(bytes("contract four, the base, edited"));
        upload(edited);
        try (Connection c = session()) {
            Manifest base = file("contract-base.txt", pieces);
            Manifest target = file("contract-patched.txt", edited);
            c.send(new Message.Changes(1, List.of(Change.Patch.of(target, base.path(), base, false))));
            Message.Ack ack = nextAck(c);
            assertEquals(1, ack.failed().size(), String.valueOf(ack.failed()));
            assertEquals(target.path(), ack.failed().get(0).path());
            assertEquals(ErrorCode.BASE_UNKNOWN.wire(), ack.failed().get(0).code());
        }
    }

    @Test
    void aMessageOnlyAStoreSendsIsRefusedWithBadMessage() throws Exception {
        try (Connection c = session()) {
            c.send(new Message.Checked(RootDigest.EMPTY, true));
            assertEquals(ErrorCode.BAD_MESSAGE, next(c, Message.Error.class).errorCode());
            c.send(new Message.Check(RootDigest.EMPTY));
            assertTrue(next(c, Message.Checked.class).inSync(), "the session goes on after the refusal");
        }
    }

    // ---- the watcher's side -------------------------------------------------------------------------------------

    /** A session with an empty index: hello, welcome, an empty reconcile and its (empty) need. */
    private Connection session() throws Exception {
        Connection c = connect();
        c.send(hello(ChunkerParams.DEFAULT));
        next(c, Message.Welcome.class);
        c.send(new Message.IndexBatch(List.of(), true));
        Message.Need need = next(c, Message.Need.class);
        assertEquals(List.of(), need.paths());
        assertTrue(need.last());
        return c;
    }

    private static Message.Hello hello(ChunkerParams params) {
        return new Message.Hello(Message.VERSION, "contract-watcher", params, RootDigest.of(Map.of("x", "00".repeat(32))), 1);
    }

    private static void assertInSync(Connection c, Map<String, String> tree) throws Exception {
        c.send(new Message.Check(RootDigest.of(tree)));
        Message.Checked checked = next(c, Message.Checked.class);
        assertTrue(checked.inSync(), "not in sync with " + tree.keySet() + ": " + checked);
        assertEquals(RootDigest.of(tree), checked.rootDigest());
    }

    /** The next ack; a {@code missing} of no chunks before it (a store may send one or not) is skipped. */
    private static Message.Ack nextAck(Connection c) throws Exception {
        Message m = nextAny(c);
        if (m instanceof Message.Missing missing) {
            assertEquals(List.of(), missing.chunks(), "the store asked for chunks it holds");
            m = nextAny(c);
        }
        return cast(Message.Ack.class, m);
    }

    private static <T extends Message> T next(Connection c, Class<T> type) throws Exception {
        return cast(type, nextAny(c));
    }

    private static Message nextAny(Connection c) throws Exception {
        Message m = c.poll(ANSWER_MILLIS);
        assertNotNull(m, "no answer from the store within " + ANSWER_MILLIS + " ms");
        return m;
    }

    private static <T extends Message> T cast(Class<T> type, Message m) {
        assertTrue(type.isInstance(m), "expected " + type.getSimpleName() + ", got " + m);
        return type.cast(m);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Manifest file(String path, List<byte[]> pieces) {
        List<ChunkRef> chunks = new ArrayList<>();
        long size = 0;
        for (byte[] p : pieces) {
            chunks.add(new ChunkRef(ChunkHash.compute(p, 0, p.length), p.length));
            size += p.length;
        }
        return new Manifest(path, EntryType.FILE, 0644, 1_700_000_000_000_000_000L, size, chunks, null);
    }
}
