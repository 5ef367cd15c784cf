package dev.ferry.watcher.cli;

import dev.ferry.watcher.restore.FakeVersionStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ferry-watcher versions} and {@code restore} as a user runs them: exit 2 with a reason for every bad command
 * line, 1 with a reason when the store fails, never a stack trace; the folder, token and times on the requests.
 */
class VersionCommandsTest {
    @TempDir
    Path tmp;
    private FakeVersionStore store;
    private final Map<String, String> env = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        store = new FakeVersionStore();
        env.put("FERRY_STORE_URL", store.url());
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private int run(String... args) {
        out.reset();
        err.reset();
        return new VersionCommands(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), (p, e) -> Optional.ofNullable(env.get(e)), tmp,
                ZoneId.of("UTC")).run(args);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void badCommandLinesExitTwoWithAReason() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        String[][] bad = {
                {"versions"},
                {"restore"},
                {"versions", "a.txt", "--at", "1h"},
                {"restore", "a.txt", "--at", "yesterday", "--to", "x"},
                {"restore", "a.txt", "--at", "2999-01-01T00:00Z", "--to", "x"},
                {"restore", "--tree", "docs", "--to", "x"},
                {"restore", "--tree", "docs", "--at", "1h"},
                {"restore", "--tree", "docs", "extra", "--at", "1h", "--to", "x"},
                {"restore", "a.txt"},
                {"restore", "a.txt", "--to", "x", "--folder", "Bad Name"},
                {"restore", "a.txt", "--to", "x", "--frobnicate"},
                {"versions", "../a.txt"},
                {"versions", ".ferry/state"},
                {"versions", "/elsewhere/a.txt", "--source", source.toString()},
                {"versions", "."},
                {"restore", "a.txt", "--to"},
        };
        for (String[] args : bad) {
            assertEquals(2, run(args), String.join(" ", args) + "\n" + err());
            assertTrue(err().startsWith("ferry-watcher: "), err());
            assertFalse(err().contains("Exception") || err().contains("\tat "), err());
        }
        env.remove("FERRY_STORE_URL");
        assertEquals(2, run("versions", "a.txt"));
        assertTrue(err().contains("--store"), err());
        env.put("FERRY_STORE_URL", "ftp://x");
        assertEquals(2, run("versions", "a.txt"));
        assertTrue(err().contains("http://"), err());
        assertTrue(store.requests().isEmpty(), "nothing asked of the store: " + store.requests());
        assertEquals(0, run("restore", "--help"));
        assertTrue(out().contains("restore --tree DIR --at TIME --to TARGET"), out());
    }

    @Test
    void anUnreachableStoreOrAStoreErrorExitsOneWithTheReason() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(1, run("versions", "a.txt", "--store", "http://127.0.0.1:" + port));
        assertTrue(err().contains("cannot reach the store"), err());
        store.token = "secret";
        assertEquals(1, run("versions", "a.txt"));
        assertTrue(err().contains("401") && err().contains("FERRY_TOKEN"), err());
        env.put("FERRY_TOKEN", "secret");
        assertEquals(1, run("restore", "--tree", "gone", "--at", "1h", "--to", tmp.resolve("t").toString()));
        assertTrue(err().contains("nothing was at gone at "), err());
        assertFalse(err().contains("\tat "), err());
    }

    @Test
    void versionsListsNewestFirstWithTheAtThatSelectsEachAndNamesTheFolder() {
        env.put("FERRY_FOLDER", "photos");
        env.put("FERRY_TOKEN", "t0k");
        store.token = "t0k";
        store.versionsAnswer = """
                {"path":"a/b.txt","current":{"type":"file","size":12,"mode":420,"mtime":"2026-12-07T14:05:00.000Z",
                 "since":"2026-12-07T14:05:01.000Z"},
                 "versions":[
                  {"from":"2026-12-07T14:00:00.000Z","to":"2026-12-07T14:05:01.000Z","reason":"modified","type":"file",
                   "size":2048,"mode":420,"mtime":"2026-12-07T13:59:59.000Z","target":null},
                  {"from":"2026-12-07T13:00:00.000Z","to":"2026-12-07T14:00:00.000Z","reason":"modified","type":"file",
                   "size":5,"mode":493,"mtime":"2026-12-07T12:59:59.000Z","target":null}]}
                """;
        assertEquals(0, run("versions", "a/b.txt"), err());
        String text = out();
        assertTrue(text.contains("now: file 12 B, mode 644, since 2026-12-07 14:05:01"), text);
        int newer = text.indexOf("replaced 2026-12-07 14:05:01 (modified): file 2.0 KiB (2048 bytes), mode 644");
        int older = text.indexOf("replaced 2026-12-07 14:00:00 (modified): file 5 B, mode 755");
        assertTrue(newer > 0 && older > newer, text);
        assertTrue(text.contains("--at 2026-12-07T14:05:00.999Z"), text);
        assertTrue(text.contains("--at 2026-12-07T13:59:59.999Z"), text);
        assertEquals(List.of("/api/v1/versions?path=a%2Fb.txt&folder=photos"), store.requests());
    }

    @Test
    void restoreWithoutAtUndoesTheLastChangeIntoSource() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("source"));
        Files.createDirectories(source.resolve("docs"));
        Files.writeString(source.resolve("docs/a.txt"), "the new text");
        Path orig = Files.createDirectories(tmp.resolve("then"));
        Files.writeString(orig.resolve("a.txt"), "the old text");
        store.addTree(orig.resolve("a.txt"), "docs/a.txt");
        store.versionsAnswer = """
                {"path":"docs/a.txt","current":null,"versions":[
                  {"from":"2026-12-07T14:00:00.000Z","to":"2026-12-07T15:00:00.000Z","reason":"deleted","type":"file",
                   "size":12,"mode":420,"mtime":"2026-12-07T13:59:59.000Z","target":null}]}
                """;

        assertEquals(0, run("restore", source.resolve("docs/a.txt").toString(), "--source", source.toString(),
                "--folder", "team-a"), err());

        assertEquals("the old text", Files.readString(source.resolve("docs/a.txt")), "replaced: inside SOURCE");
        assertTrue(out().startsWith("restored 1 entries (1 files, 0 folders, 0 links) in "), out());
        assertTrue(out().contains("12 bytes written"), out());
        assertTrue(store.requests().contains(
                "/api/v1/versions/tree?dir=docs%2Fa.txt&at=2026-12-07T14%3A59%3A59.999Z&folder=team-a"),
                store.requests().toString());
        assertTrue(store.requests().stream().allMatch(r -> r.endsWith("folder=team-a")), store.requests().toString());
    }

    @Test
    void restoreToAnotherFileLeavesADifferingOneUnlessOverwrite() throws Exception {
        Path orig = Files.createDirectories(tmp.resolve("then"));
        Files.writeString(orig.resolve("a.txt"), "then");
        store.addTree(orig.resolve("a.txt"), "a.txt");
        Path copy = tmp.resolve("copy.txt");
        Files.writeString(copy, "mine");

        assertEquals(1, run("restore", "a.txt", "--at", "1h", "--to", copy.toString()));
        assertEquals("mine", Files.readString(copy));
        assertTrue(err().contains("exists and differs") && err().contains("--overwrite"), err());

        assertEquals(0, run("restore", "a.txt", "--at", "1h", "--to", copy.toString(), "--overwrite"), err());
        assertEquals("then", Files.readString(copy));

        Path folder = Files.createDirectories(tmp.resolve("into"));
        assertEquals(0, run("restore", "a.txt", "--at", "1h", "--to", folder.toString()), err());
        assertEquals("then", Files.readString(folder.resolve("a.txt")), "--to an existing folder puts it inside");
    }
}
