package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
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
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A dry run ({@code hello.dryRun}, {@code plan} -> {@code planned}) lists what a sync of the planned tree would do to
 * DEST, every kind of change, and changes nothing: DEST and every byte of {@code .ferry} are the same afterwards,
 * the running watcher's session goes on, an unbound store stays unbound and another source is refused. The
 * tests run in order against one store.
 */
@QuarkusTest
@TestProfile(DryRunPlanTest.NoAudit.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DryRunPlanTest {
    /** A DEST of its own, and no periodic audit: the foreign entries the plan must list stay until it is made. */
    public static class NoAudit extends dev.ferry.store.TempDestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new java.util.HashMap<>(super.getConfigOverrides());
            config.put("ferry.store.audit", "false");
            return config;
        }
    }

    private static final String OWNER = "source-owner";
    private static final long T = 1_600_000_000_000_000_000L;

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;

    private WsClient hello(String sourceId, boolean dryRun) throws Exception {
        WsClient c = WsClient.connect(sync, null);
        c.send(new Message.Hello(Message.VERSION, dryRun ? "host:dry" : "host:live", ChunkerParams.DEFAULT, "x", 0,
                sourceId, null, null, dryRun ? Boolean.TRUE : null));
        return c;
    }

    private static List<Message.PlannedItem> plan(WsClient dry, List<Message.PlanEntry> tree) throws Exception {
        // Two frames, so the store gathers a plan over several, as it does an index.
        int half = tree.size() / 2;
        dry.send(new Message.Plan(tree.subList(0, half), false));
        dry.send(new Message.Plan(tree.subList(half, tree.size()), true));
        List<Message.PlannedItem> items = new ArrayList<>();
        Message.Planned p;
        do {
            p = dry.next(Message.Planned.class);
            items.addAll(p.items());
        } while (!p.last());
        return items;
    }

    private static Message.PlanEntry entry(Manifest m) {
        return new Message.PlanEntry(m.path(), m.digest(), m.contentDigest(), m.type() == dev.ferry.protocol.EntryType.DIRECTORY);
    }

    private static Message.PlannedItem item(String op, String path, String from, String detail, boolean dir) {
        return new Message.PlannedItem(op, path, from, detail, dir);
    }

    @Test
    @Order(1)
    void aDryRunLeavesAnUnboundStoreUnbound() throws Exception {
        Map<String, String> before = snapshot();
        try (WsClient dry = hello("someone", true)) {
            assertFalse(dry.next(Message.Welcome.class).inSync());
            Manifest dir = Manifest.directory("docs", 0755, T);
            assertEquals(List.of(item("create", "docs", null, null, true)), plan(dry, List.of(entry(dir))));
        }
        assertFalse(Files.exists(layout.sourceFile(), LinkOption.NOFOLLOW_LINKS), "a dry run binds no store");
        assertEquals(before, snapshot(), "DEST or .ferry changed");
    }

    @Test
    @Order(2)
    void thePlanListsEveryKindOfChangeAndChangesNothing() throws Exception {
        TestData.FileData keep = TestData.file(3000, 1000);
        TestData.FileData meta = TestData.file(1500, 1000);
        TestData.FileData edit = TestData.file(2000, 1000);
        TestData.FileData moved = TestData.file(2500, 1000);
        TestData.FileData gone = TestData.file(100, 1000);
        TestData.FileData edited = TestData.file(2200, 1000);
        TestData.FileData fresh = TestData.file(700, 1000);
        Manifest d = Manifest.directory("d", 0755, T);
        Manifest keepM = keep.manifest("d/keep.txt", 0644, T);
        Manifest metaM = meta.manifest("d/meta.txt", 0644, T);
        Manifest editM = edit.manifest("edit.txt", 0644, T);
        Manifest movedM = moved.manifest("old-name.bin", 0600, T);
        Manifest goneM = gone.manifest("gone.txt", 0644, T);
        Manifest goneDir = Manifest.directory("gone-dir", 0755, T);
        Manifest goneDirFile = gone.manifest("gone-dir/x", 0644, T + 1);
        Manifest link = Manifest.symlink("link", T, "d/keep.txt");
        List<byte[]> pieces = new ArrayList<>();
        for (TestData.FileData f : List.of(keep, meta, edit, moved, gone)) {
            pieces.addAll(f.pieces());
        }
        // java.net.http rather than rest-assured: its first call alone took seconds on a loaded machine.
        java.net.http.HttpResponse<Void> stored = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(sync.resolve(Endpoints.CHUNK_BATCH))
                        .header("Content-Type", Endpoints.CHUNK_BATCH_TYPE)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(TestData.batch(pieces))).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
        assertEquals(200, stored.statusCode());
        try (WsClient live = hello(OWNER, false)) {
            live.next(Message.Welcome.class);
            List<Change> setup = new ArrayList<>();
            for (Manifest m : List.of(d, keepM, metaM, editM, movedM, goneM, goneDir, goneDirFile, link)) {
                setup.add(new Change.Upsert(m));
            }
            live.send(new Message.Changes(1, setup));
            live.next(Message.Missing.class);
            assertEquals(List.of(), live.next(Message.Ack.class).failed());

            // Meddling in DEST: two foreign entries (one a folder with content) and a damaged mirror file.
            Files.writeString(layout.dest().resolve("stray.txt"), "not from the source");
            Files.createDirectories(layout.dest().resolve("junk/deeper"));
            Files.writeString(layout.dest().resolve("junk/deeper/y"), "junk");
            Files.writeString(layout.dest().resolve("d/keep.txt"), "damaged");
            Map<String, String> before = snapshot();
            String binding = Files.readString(layout.sourceFile());

            // The source now: meta.txt touched, edit.txt edited, old-name.bin renamed, gone* removed, two new.
            List<Message.PlanEntry> tree = new ArrayList<>();
            tree.add(entry(d));
            tree.add(entry(keepM));
            tree.add(entry(meta.manifest("d/meta.txt", 0644, T + 5_000_000_000L)));
            tree.add(entry(edited.manifest("edit.txt", 0644, T)));
            tree.add(entry(movedM.withPath("new-name.bin")));
            tree.add(entry(fresh.manifest("new.txt", 0644, T)));
            tree.add(entry(Manifest.directory("newdir", 0700, T)));
            tree.add(entry(link));
            List<Message.PlannedItem> planned;
            try (WsClient dry = hello(OWNER, true)) {
                dry.next(Message.Welcome.class);
                planned = plan(dry, tree);
            }
            assertEquals(List.of(
                    item("update", "d/keep.txt", null, "damaged", false),
                    item("update", "d/meta.txt", null, "metadata", false),
                    item("update", "edit.txt", null, "contents", false),
                    item("delete", "gone-dir", null, null, true),
                    item("delete", "gone-dir/x", null, null, false),
                    item("delete", "gone.txt", null, null, false),
                    item("foreign", "junk", null, null, true),
                    item("move", "new-name.bin", "old-name.bin", null, false),
                    item("create", "new.txt", null, null, false),
                    item("create", "newdir", null, null, true),
                    item("foreign", "stray.txt", null, null, false)), planned);
            assertEquals(before, snapshot(), "a dry run changed DEST or .ferry");
            assertEquals(binding, Files.readString(layout.sourceFile()));

            // The running watcher's session was neither replaced nor disturbed: its check is answered.
            assertNull(live.poll(200), "the live session got a frame it did not ask for");
            live.send(new Message.Check(index.rootDigest()));
            Message.Checked checked = live.next(Message.Checked.class);
            assertEquals(index.rootDigest(), checked.rootDigest());
            assertTrue(live.isOpen());
        }
    }

    @Test
    @Order(3)
    void anotherSourceIsRefusedAndNothingChanges() throws Exception {
        Map<String, String> before = snapshot();
        try (WsClient dry = hello("another-source", true)) {
            Message.Error e = dry.next(Message.Error.class);
            assertEquals("wrong-source", e.code(), e.toString());
            assertTrue(dry.awaitClosed());
        }
        assertTrue(Files.readString(layout.sourceFile()).contains(OWNER));
        assertEquals(before, snapshot());
    }

    /** Every entry under DEST (.ferry included, chunks, index journal, binding): type, mode, mtime and bytes. */
    private Map<String, String> snapshot() throws Exception {
        Map<String, String> out = new TreeMap<>();
        Path root = layout.dest();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what = (a.isDirectory() ? "dir" : a.isSymbolicLink() ? "link" : "file") + " "
                        + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions()) + " "
                        + a.lastModifiedTime().toMillis();
                if (a.isRegularFile()) {
                    what += " " + HexFormat.of().formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                } else if (a.isSymbolicLink()) {
                    what += " -> " + Files.readSymbolicLink(p);
                }
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }
}
