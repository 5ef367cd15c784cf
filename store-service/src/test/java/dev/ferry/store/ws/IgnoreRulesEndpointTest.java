package dev.ferry.store.ws;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The source's ignore rules over a real WebSocket: what they match is forgotten by the index and left in DEST,
 * by the audit and the check too; a folder delete keeps it; rules past the limits are refused.
 */
@QuarkusTest
@TestProfile(IgnoreRulesEndpointTest.FreshStore.class)
class IgnoreRulesEndpointTest {
    /** A DEST of its own: these rules must not reach the other tests' store. */
    public static class FreshStore extends dev.ferry.store.TempDestProfile {
    }

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    StoreIgnoreRules storeRules;

    private static IgnoreSet rules(String dir, String text) {
        return new IgnoreSet(List.of(new IgnoreSet.IgnoreFile(dir, text)), List.of());
    }

    private WsClient hello(IgnoreSet rules, String rootDigest) throws Exception {
        WsClient c = WsClient.connect(sync, null);
        c.send(new Message.Hello(Message.VERSION, "w-ignore", ChunkerParams.DEFAULT, rootDigest, 0, null, null, rules));
        return c;
    }

    private WsClient greeted(IgnoreSet rules) throws Exception {
        WsClient c = hello(rules, "x");
        c.next(Message.Welcome.class);
        return c;
    }

    private Path dest(String rel) {
        return layout.dest().resolve(rel);
    }

    private static long batches = 100;

    /** Mirrors {@code entries} (their chunks uploaded first) and waits for the ack without failures. */
    private static void mirror(WsClient c, Manifest... entries) throws Exception {
        long batch = batches++;
        List<Change> items = new ArrayList<>();
        for (Manifest m : entries) {
            items.add(new Change.Upsert(m));
        }
        c.send(new Message.Changes(batch, items));
        assertEquals(List.of(), c.next(Message.Missing.class).chunks());
        Message.Ack ack = c.next(Message.Ack.class);
        assertEquals(batch, ack.batch());
        assertEquals(List.of(), ack.failed());
    }

    private static Manifest file(String path) {
        TestData.FileData f = TestData.file(3000, 1000);
        given().contentType(Endpoints.CHUNK_BATCH_TYPE).body(TestData.batch(f.pieces())).post(Endpoints.CHUNK_BATCH)
                .then().statusCode(200);
        return f.manifest(path, 0644, 1_000_000_000L);
    }

    /** The root digest of the index without {@code ignored} (and what lies below them): what such a watcher lists. */
    private String digestWithout(String... ignored) {
        Map<String, String> entries = new HashMap<>();
        outer:
        for (Map.Entry<String, String> e : index.digestsDescending()) {
            for (String i : ignored) {
                if (e.getKey().equals(i) || e.getKey().startsWith(i + "/")) {
                    continue outer;
                }
            }
            entries.put(e.getKey(), e.getValue());
        }
        return RootDigest.of(entries);
    }

    @Test
    void helloWithRulesForgetsMirroredIgnoredEntriesAndLeavesThemAndDestOnlyOnesInDest() throws Exception {
        Manifest old = file("t1/old.tmp");
        try (WsClient c = greeted(IgnoreSet.NONE)) {
            mirror(c, Manifest.directory("t1", 0755, 1_000_000_000L), file("t1/keep.txt"), old);
        }
        byte[] oldBytes = Files.readAllBytes(dest("t1/old.tmp"));
        Files.writeString(dest("t1/local.tmp"), "build output of this box");
        String watchers = digestWithout("t1/old.tmp");
        try (WsClient c = hello(rules("t1", "*.tmp\n"), watchers)) {
            assertTrue(c.next(Message.Welcome.class).inSync(), "the store forgot t1/old.tmp: its digest is the watcher's");
            assertNull(index.get("t1/old.tmp"));
            c.send(new Message.Check(watchers));
            Message.Checked checked = c.next(Message.Checked.class);
            assertTrue(checked.inSync(), "ignored entries in DEST are no problem: " + checked.problem());
        }
        assertArrayEquals(oldBytes, Files.readAllBytes(dest("t1/old.tmp")), "forgotten, not deleted");
        assertEquals("build output of this box", Files.readString(dest("t1/local.tmp")));
    }

    @Test
    void theIgnoreMessageReplacesTheRulesAndForgets() throws Exception {
        IgnoreSet first = rules("", "*.tmp\n");
        try (WsClient c = greeted(first)) {
            mirror(c, Manifest.directory("t2", 0755, 1_000_000_000L), file("t2/a.log"), file("t2/b.txt"));
            String watchers = digestWithout("t2/a.log");
            c.send(new Message.Ignore(new IgnoreSet(first.files(), List.of("*.log"))));
            c.send(new Message.Check(watchers));
            Message.Checked checked = c.next(Message.Checked.class);
            assertTrue(checked.inSync(), String.valueOf(checked.problem()));
            assertNull(index.get("t2/a.log"));
            assertNotNull(index.get("t2/b.txt"));
            assertTrue(Files.exists(dest("t2/a.log")), "left in DEST");
            assertEquals(List.of("*.log"), storeRules.rules().set().excludes());
        }
    }

    @Test
    void theReconcileForgetsAnIgnoredEntryTheWatcherDoesNotListAndRemovesTheOthers() throws Exception {
        try (WsClient c = greeted(rules("", "*.tmp\n"))) {
            // Upserts naming an ignored path are applied as sent: the watcher is the authority.
            mirror(c, Manifest.directory("t3", 0755, 1_000_000_000L), file("t3/sent.tmp"), file("t3/gone.txt"));
            assertNotNull(index.get("t3/sent.tmp"));
            List<Message.IndexEntry> theirs = new ArrayList<>();
            for (Map.Entry<String, String> e : index.digestsDescending()) {
                if (!e.getKey().equals("t3/sent.tmp") && !e.getKey().equals("t3/gone.txt")) {
                    theirs.add(new Message.IndexEntry(e.getKey(), e.getValue()));
                }
            }
            c.send(new Message.IndexBatch(theirs, true));
            assertEquals(List.of(), c.next(Message.Need.class).paths());
            assertNull(index.get("t3/sent.tmp"));
            assertTrue(Files.exists(dest("t3/sent.tmp")), "forgotten, not removed");
            assertNull(index.get("t3/gone.txt"));
            assertFalse(Files.exists(dest("t3/gone.txt")), "not ignored: removed as before");
        }
    }

    @Test
    void aFolderDeleteKeepsIgnoredContentAndALaterFileUpsertThereWins() throws Exception {
        try (WsClient c = greeted(rules("", "*.o\n"))) {
            mirror(c, Manifest.directory("t4", 0755, 1_000_000_000L), Manifest.directory("t4/src", 0755, 1_000_000_000L),
                    file("t4/src/a.c"));
            Files.createDirectories(dest("t4/src/deep"));
            Files.writeString(dest("t4/src/deep/b.o"), "object");
            Files.writeString(dest("t4/src/stray.c"), "foreign");
            long batch = batches++;
            c.send(new Message.Changes(batch, List.of(new Change.Delete("t4/src"))));
            c.next(Message.Missing.class);
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
            assertEquals("object", Files.readString(dest("t4/src/deep/b.o")));
            assertFalse(Files.exists(dest("t4/src/a.c")));
            assertFalse(Files.exists(dest("t4/src/stray.c")));
            assertNull(index.get("t4/src"));
            c.send(new Message.Check(index.rootDigest()));
            Message.Checked checked = c.next(Message.Checked.class);
            assertTrue(checked.inSync(), String.valueOf(checked.problem()));
            assertEquals("object", Files.readString(dest("t4/src/deep/b.o")), "the audit keeps the folders too");

            Manifest replacing = file("t4/src");
            mirror(c, replacing);
            assertTrue(Files.isRegularFile(dest("t4/src")), "the source's file wins over the kept folder");
        }
    }

    @Test
    void rulesPastTheLimitsAreRefused() throws Exception {
        IgnoreSet kept = rules("", "*.keep\n");
        try (WsClient c = greeted(kept)) {
            c.send(new Message.Ignore(new IgnoreSet(List.of(), List.of("x".repeat(IgnoreSet.MAX_TEXT_BYTES + 1)))));
            assertEquals("too-large", c.next(Message.Error.class).code());
            List<IgnoreSet.IgnoreFile> many = new ArrayList<>();
            for (int i = 0; i <= IgnoreSet.MAX_FILES; i++) {
                many.add(new IgnoreSet.IgnoreFile("d" + i, "x"));
            }
            c.send(new Message.Ignore(new IgnoreSet(many, List.of())));
            assertEquals("too-large", c.next(Message.Error.class).code());
            c.send(new Message.Ignore(rules("../up", "x")));
            assertEquals("bad-message", c.next(Message.Error.class).code());
            assertTrue(c.isOpen(), "a refused ignore message keeps the connection");
            assertEquals(kept, storeRules.rules().set(), "the rules in force stay");
        }
        // The largest valid hello passes the pre-hello frame limit; one past the limits is refused and closed.
        char[] big = new char[IgnoreSet.MAX_TEXT_BYTES - 100];
        Arrays.fill(big, '\n');
        try (WsClient c = greeted(new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", new String(big))), List.of()))) {
            c.send(new Message.Check("x"));
            c.next(Message.Checked.class);
        }
        try (WsClient c = hello(new IgnoreSet(List.of(), List.of("x".repeat(IgnoreSet.MAX_TEXT_BYTES + 1))), "x")) {
            Message.Error e = c.next(Message.Error.class);
            assertEquals("too-large", e.code(), e.message());
            assertTrue(c.awaitClosed());
        }
    }
}
