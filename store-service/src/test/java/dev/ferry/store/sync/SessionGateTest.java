package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SessionGate}: who may sync (one session, one source) and what {@code check} answers. */
class SessionGateTest extends SyncRoleTest {

    @Test
    void aSecondHelloReplacesTheFirstSessionWhichGetsNoMoreAcks() throws Exception {
        CapturingChannel first = new CapturingChannel("c1");
        SyncSession s1 = store.greeted(first, "src");
        assertSame(s1, store.current.get());
        s1.batches.put(1L, completeBatch(1));

        CapturingChannel second = new CapturingChannel("c2");
        SyncSession s2 = store.greeted(second, "src");

        assertEquals(ErrorCode.REPLACED.wire(), first.next(Message.Error.class).code());
        assertEquals(ErrorCode.REPLACED.closeCode(), first.closeCode());
        assertSame(s2, store.current.get());
        assertTrue(second.isOpen());
        store.onApply(() -> store.commits.commit(s1));
        assertNull(first.poll(), "the replaced session is acknowledged nothing");
    }

    @Test
    void anotherSourceIsRefusedAndTheOwnerKeepsTheStore() throws Exception {
        CapturingChannel owner = new CapturingChannel("c1");
        SyncSession s1 = store.greeted(owner, "source-a");

        CapturingChannel other = new CapturingChannel("c2");
        SyncSession s2 = new SyncSession(other);
        store.onApply(() -> store.gate.hello(s2, SyncRolesFixture.hello("w-other", "source-b", "x")));

        assertEquals(ErrorCode.WRONG_SOURCE.wire(), other.next(Message.Error.class).code());
        assertFalse(other.isOpen(), "a refused watcher is closed");
        assertFalse(s2.greeted());
        assertSame(s1, store.current.get());
        assertTrue(owner.isOpen());
        assertNull(owner.poll(), "the owner's session is untouched");
        assertEquals("source-a", store.binding.owner().sourceId());
    }

    @Test
    void aCheckIsInSyncOnlyWhenTheRootDigestsAndDestMatch() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        store.applied(Manifest.directory("docs", 0755, 1L));
        String root = store.index.rootDigest();

        store.onApply(() -> store.gate.check(s, new Message.Check("something-else")));
        Message.Checked differs = channel.next(Message.Checked.class);
        assertFalse(differs.inSync());
        assertEquals(root, differs.rootDigest());

        store.onApply(() -> store.gate.check(s, new Message.Check(root)));
        assertTrue(channel.next(Message.Checked.class).inSync());

        // A foreign entry in DEST is removed by the check's audit: still in sync, and gone.
        Files.writeString(dest.resolve("intruder.txt"), "x");
        store.auditor.invalidate();
        store.onApply(() -> store.gate.check(s, new Message.Check(root)));
        assertTrue(channel.next(Message.Checked.class).inSync());
        assertFalse(Files.exists(dest.resolve("intruder.txt")));
    }

    @Test
    void aRepairThatMakesTheMirrorDifferTellsTheConnectedWatcherUnasked() throws Exception {
        store.gate.mirrorDiffers("nobody connected");
        CapturingChannel channel = new CapturingChannel("c1");
        store.greeted(channel, "src");

        store.gate.mirrorDiffers("docs/a.txt is damaged");

        Message.Checked checked = channel.next(Message.Checked.class);
        assertFalse(checked.inSync());
        assertEquals("docs/a.txt is damaged", checked.problem());
        assertEquals(store.index.rootDigest(), checked.rootDigest());
        assertNull(channel.poll());
    }

    private static Batch completeBatch(long n) {
        Batch b = new Batch(n);
        b.processed = true;
        return b;
    }
}
