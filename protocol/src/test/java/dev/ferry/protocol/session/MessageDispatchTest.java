package dev.ferry.protocol.session;

import dev.ferry.protocol.Message;
import dev.ferry.protocol.Wire;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each received message reaches exactly one handler method, the one made for it, with the message itself; a message
 * of the other direction reaches {@code unexpected}. Kinds and records are one to one, and a kind is the JSON type.
 */
class MessageDispatchTest {
    private static final EnumSet<Message.Kind> TO_STORE = EnumSet.of(Message.Kind.HELLO, Message.Kind.INDEX,
            Message.Kind.CHANGES, Message.Kind.CHECK, Message.Kind.IGNORE, Message.Kind.PLAN, Message.Kind.ERROR);
    private static final EnumSet<Message.Kind> TO_WATCHER = EnumSet.of(Message.Kind.WELCOME, Message.Kind.NEED,
            Message.Kind.MISSING, Message.Kind.ACK, Message.Kind.CHECKED, Message.Kind.PLANNED, Message.Kind.ERROR);

    /** One call a handler got: the method's name and what it was given. */
    record Call(String method, Object from, Message message) {
    }

    @Test
    void everyKindHasOneRecordAndItsJsonType() {
        Map<Message.Kind, Message> samples = Messages.oneOfEachKind();
        assertEquals(EnumSet.allOf(Message.Kind.class), samples.keySet());
        assertEquals(Message.Kind.values().length, Message.class.getPermittedSubclasses().length);
        for (Message m : samples.values()) {
            assertTrue(Wire.encode(m).startsWith("{\"type\":\"" + m.kind().wireType() + "\""), Wire.encode(m));
        }
    }

    @Test
    void aStoreGetsEachWatcherMessageInItsOwnMethod() {
        Object peer = new Object();
        for (Message m : Messages.oneOfEachKind().values()) {
            List<Call> calls = new ArrayList<>();
            MessageDispatch.toStore(peer, m, new StoreRecorder(calls));
            assertEquals(1, calls.size(), m.kind().name());
            assertEquals(TO_STORE.contains(m.kind()) ? method(m) : "unexpected", calls.get(0).method(), m.kind().name());
            assertSame(peer, calls.get(0).from());
            assertSame(m, calls.get(0).message());
        }
    }

    @Test
    void aWatcherGetsEachStoreMessageInItsOwnMethod() {
        Object peer = new Object();
        for (Message m : Messages.oneOfEachKind().values()) {
            List<Call> calls = new ArrayList<>();
            MessageDispatch.toWatcher(peer, m, new WatcherRecorder(calls));
            assertEquals(1, calls.size(), m.kind().name());
            assertEquals(TO_WATCHER.contains(m.kind()) ? method(m) : "unexpected", calls.get(0).method(), m.kind().name());
            assertSame(peer, calls.get(0).from());
            assertSame(m, calls.get(0).message());
        }
    }

    /** The handler method named after the message's JSON type. */
    private static String method(Message m) {
        return m.kind().wireType();
    }

    private record StoreRecorder(List<Call> calls) implements StoreMessages<Object> {
        public void hello(Object from, Message.Hello m) {
            calls.add(new Call("hello", from, m));
        }

        public void index(Object from, Message.IndexBatch m) {
            calls.add(new Call("index", from, m));
        }

        public void changes(Object from, Message.Changes m) {
            calls.add(new Call("changes", from, m));
        }

        public void check(Object from, Message.Check m) {
            calls.add(new Call("check", from, m));
        }

        public void ignore(Object from, Message.Ignore m) {
            calls.add(new Call("ignore", from, m));
        }

        public void plan(Object from, Message.Plan m) {
            calls.add(new Call("plan", from, m));
        }

        public void error(Object from, Message.Error m) {
            calls.add(new Call("error", from, m));
        }

        public void unexpected(Object from, Message m) {
            calls.add(new Call("unexpected", from, m));
        }
    }

    private record WatcherRecorder(List<Call> calls) implements WatcherMessages<Object> {
        public void welcome(Object from, Message.Welcome m) {
            calls.add(new Call("welcome", from, m));
        }

        public void need(Object from, Message.Need m) {
            calls.add(new Call("need", from, m));
        }

        public void missing(Object from, Message.Missing m) {
            calls.add(new Call("missing", from, m));
        }

        public void ack(Object from, Message.Ack m) {
            calls.add(new Call("ack", from, m));
        }

        public void checked(Object from, Message.Checked m) {
            calls.add(new Call("checked", from, m));
        }

        public void planned(Object from, Message.Planned m) {
            calls.add(new Call("planned", from, m));
        }

        public void error(Object from, Message.Error m) {
            calls.add(new Call("error", from, m));
        }

        public void unexpected(Object from, Message m) {
            calls.add(new Call("unexpected", from, m));
        }
    }
}
