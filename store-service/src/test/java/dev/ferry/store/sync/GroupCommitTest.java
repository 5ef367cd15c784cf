package dev.ferry.store.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link GroupCommit}: a batch is acknowledged only after what it applied is committed, and never when that fails. */
class GroupCommitTest extends SyncRoleTest {

    @Test
    void theAckIsSentOnlyAfterTheCommitOfWhatItAcknowledges() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        List<Integer> sentAtCommit = new CopyOnWriteArrayList<>();
        store.db.commitHookForTests(() -> sentAtCommit.add(channel.sentSoFar()));
        int before = channel.sentSoFar();

        store.send(s, 1, new Change.Upsert(Manifest.directory("docs", 0755, 1L)));

        assertEquals(List.of(), channel.next(Message.Missing.class).chunks());
        Message.Ack ack = channel.next(Message.Ack.class);
        assertEquals(1, ack.batch());
        assertEquals(List.of(), ack.failed());
        assertTrue(sentAtCommit.contains(before + 1),
                "the commit ran after the missing and before the ack; sent counts at commits: " + sentAtCommit);
    }

    @Test
    void aFailedCommitSendsNoAckClosesTheSessionAndTheJournalIsRewritten() throws Exception {
        CapturingChannel channel = new CapturingChannel("c1");
        SyncSession s = store.greeted(channel, "src");
        AtomicBoolean failOnce = new AtomicBoolean(true);
        store.db.commitHookForTests(() -> {
            if (failOnce.compareAndSet(true, false)) {
                throw new IOException("No space left on device (injected)");
            }
        });

        store.send(s, 7, new Change.Upsert(Manifest.directory("docs", 0755, 1L)));

        channel.next(Message.Missing.class);
        Message.Error error = channel.next(Message.Error.class);
        assertEquals(ErrorCode.JOURNAL_FAILED.wire(), error.code());
        assertEquals(ErrorCode.JOURNAL_FAILED.closeCode(), channel.closeCode());
        assertFalse(channel.isOpen());
        assertNull(channel.poll(), "nothing after the error, no ack");
        assertFalse(failOnce.get(), "the failure was injected");
        assertNull(store.current.get(), "the session is no longer the store's");
        assertNull(store.index.failure(), "the journal is rewritten from memory");
    }
}
