package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.PosixModes;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store belongs to one source: the first hello binds it, another source is refused with {@code wrong-source} and
 * changes nothing, the owner restarting replaces its own stale session, and {@code takeOver} works only while the
 * owner is not connected. The tests run in order against one store.
 */
@QuarkusTest
@TestProfile(SourceOwnerTest.FreshStore.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SourceOwnerTest {
    /** A DEST of its own: the other tests' hellos must not find it bound. */
    public static class FreshStore extends dev.ferry.store.TempDestProfile {
    }

    private static final String A = "source-a";
    private static final String B = "source-b";

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    SyncService service;

    private WsClient hello(String clientId, String sourceId, boolean takeOver) throws Exception {
        WsClient c = WsClient.connect(sync, null);
        c.send(new Message.Hello(Message.VERSION, clientId, ChunkerParams.DEFAULT, "x", 0, sourceId, takeOver ? true : null));
        return c;
    }

    private static Message.Error refused(WsClient c) throws Exception {
        Message.Error e = c.next(Message.Error.class);
        assertEquals("wrong-source", e.code(), e.toString());
        assertTrue(c.awaitClosed(), "a refused watcher is closed");
        return e;
    }

    /** Waits (10 s at most) until the store has no connected watcher. */
    private void awaitNoWatcher() throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (service.current() != null && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(null, service.current(), "the store still sees a watcher");
    }

    @Test
    @Order(1)
    void theFirstSourceBindsAndASecondIsRefusedWithoutTouchingTheMirror() throws Exception {
        try (WsClient a = hello("host-a:1", A, false)) {
            a.next(Message.Welcome.class);
            a.send(new Message.Changes(1, List.of(new Change.Upsert(Manifest.directory("a-kept", 0755, 1_000_000_000L)))));
            a.next(Message.Missing.class);
            a.next(Message.Ack.class);
            SourceBinding.Owner owner = new SourceBinding(layout.sourceFile(), layout.tmpDir()).owner();
            assertNotNull(owner, "the binding is on disk");
            assertEquals(A, owner.sourceId());
            assertEquals("host-a:1", owner.clientId());
            assertEquals(0600, PosixModes.read(layout.sourceFile()));

            // B would reconcile DEST to its own (empty) tree: refused at hello, before any index.
            try (WsClient b = hello("host-b:2", B, false)) {
                Message.Error e = refused(b);
                assertTrue(e.message().contains(A) && e.message().contains("host-a:1") && e.message().contains("--take-over"),
                        e.message());
            }
            // An older watcher (no source id) is refused too once the store is bound.
            try (WsClient old = hello("old:3", null, false)) {
                refused(old);
            }
            // A is still the session: its check is answered.
            a.send(new Message.Check(index.rootDigest()));
            assertTrue(a.next(Message.Checked.class).inSync());
        }
        assertTrue(Files.isDirectory(layout.dest().resolve("a-kept"), LinkOption.NOFOLLOW_LINKS));
        assertNotNull(index.get("a-kept"));
    }

    @Test
    @Order(2)
    void theOwnerRestartingReplacesItsStaleSession() throws Exception {
        awaitNoWatcher();
        try (WsClient stale = hello("host-a:1", A, false)) {
            stale.next(Message.Welcome.class);
            try (WsClient restarted = hello("host-a:1", A, false)) {
                restarted.next(Message.Welcome.class);
                assertEquals("replaced", stale.next(Message.Error.class).code());
            }
        }
    }

    @Test
    @Order(3)
    void takeOverWorksOnlyWhileTheOwnerIsAway() throws Exception {
        awaitNoWatcher();
        try (WsClient a = hello("host-a:1", A, false)) {
            a.next(Message.Welcome.class);
            try (WsClient b = hello("host-b:2", B, true)) {
                assertTrue(refused(b).message().contains("connected"));
            }
            a.send(new Message.Check(index.rootDigest()));
            assertTrue(a.next(Message.Checked.class).inSync(), "the owner keeps its session");
        }
        awaitNoWatcher();
        try (WsClient b = hello("host-b:2", B, true)) {
            b.next(Message.Welcome.class);
            assertEquals(B, new SourceBinding(layout.sourceFile(), layout.tmpDir()).owner().sourceId());
        }
        awaitNoWatcher();
        try (WsClient a = hello("host-a:1", A, false)) {
            assertTrue(refused(a).message().contains(B), "the old owner is now the stranger");
        }
    }
}
