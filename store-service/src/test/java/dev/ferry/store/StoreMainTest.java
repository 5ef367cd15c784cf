package dev.ferry.store;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreMainTest {
    @TempDir
    Path dir;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @AfterEach
    void clear() {
        System.clearProperty(StoreMain.DEST_PROPERTY);
    }

    private int run(Map<String, String> env, String... args) {
        return StoreMain.prepare(args, env, new PrintStream(out, true), new PrintStream(err, true));
    }

    @Test
    void helpExitsZero() {
        assertEquals(0, run(Map.of(), "--help"));
        assertTrue(out.toString().contains("Usage"));
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        assertEquals(2, run(Map.of()));
        assertTrue(err.toString().contains("DEST is missing"));
        assertEquals(2, run(Map.of(), "--nope"));
        assertEquals(2, run(Map.of(), "a", "b"));
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertEquals(2, run(Map.of(), file.toString()));
        assertTrue(err.toString().contains("not a directory"));
    }

    @Test
    void destFromArgumentOrEnvironment() {
        assertEquals(-1, run(Map.of(), dir.resolve("new").toString()));
        assertEquals(dir.resolve("new").toString(), System.getProperty(StoreMain.DEST_PROPERTY));
        System.clearProperty(StoreMain.DEST_PROPERTY);
        assertEquals(-1, run(Map.of("FERRY_STORE_DEST", dir.toString())));
        assertEquals(dir.toString(), System.getProperty(StoreMain.DEST_PROPERTY));
    }

    @Test
    void verifyChecksAStoreThatIsNotRunningAndRefusesWhatIsNone() throws Exception {
        assertEquals(2, run(Map.of(), dir.toString(), "--repair"));
        assertTrue(err.toString().contains("--repair goes with --verify"));
        assertEquals(2, run(Map.of(), dir.toString(), "--verify"));
        assertTrue(err.toString().contains("not a Ferry store"), err.toString());
        Path dest = dir.resolve("store");
        dev.ferry.store.storage.StoreLayout.open(dest).close();
        assertEquals(0, run(Map.of(), dest.toString(), "--verify"));
        assertTrue(out.toString().contains("OK: the store is consistent"), out.toString());
        try (var running = dev.ferry.store.storage.StoreLayout.open(dest)) {
            assertEquals(2, run(Map.of(), dest.toString(), "--verify"));
            assertTrue(err.toString().contains("cannot verify"), err.toString());
        }
        assertEquals(null, System.getProperty(StoreMain.DEST_PROPERTY), "--verify never boots the service");
    }

    @Test
    void aDestThatCannotBeCreatedIsOneLineNamingThePath() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path under = file.resolve("dest");
        assertEquals(2, run(Map.of(), under.toString()));
        String said = err.toString();
        assertTrue(said.startsWith("ferry-store: cannot create DEST " + under + ": "), said);
        assertEquals(1, said.strip().lines().count(), said);
        assertEquals(null, System.getProperty(StoreMain.DEST_PROPERTY));
    }

    @Test
    void versionPrintsOneLineAndExitsZero() {
        assertEquals(0, run(Map.of(), "--version"));
        assertTrue(out.toString().matches("ferry-store \\S+ \\(git \\S+\\)\\R"), out.toString());
    }
}
