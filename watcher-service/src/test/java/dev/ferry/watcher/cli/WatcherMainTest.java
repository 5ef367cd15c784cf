package dev.ferry.watcher.cli;

import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.UsageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line, checked before Quarkus boots: run as a real process so System.exit is observed. */
class WatcherMainTest {

    @TempDir
    Path tmp;

    private record Result(int exitCode, String stdout, String stderr) {
    }

    private Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), WatcherMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("FERRY_STORE_URL");
        pb.redirectOutput(tmp.resolve("out").toFile()).redirectError(tmp.resolve("err").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exits at once");
        return new Result(p.exitValue(), Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err"), StandardCharsets.UTF_8));
    }

    @Test
    void missingSourceExitsTwoNamingThePath() throws Exception {
        Path missing = tmp.resolve("no-such-folder");
        Result r = run(missing.toString(), "--store", "http://127.0.0.1:9");

        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("ferry-watcher: source folder does not exist: " + missing), r.stderr());
    }

    @Test
    void sourceThatIsAFileExitsTwo() throws Exception {
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        Result r = run(file.toString(), "--store", "http://127.0.0.1:9");

        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("is not a directory: " + file), r.stderr());
    }

    @Test
    void helpExitsZero() throws Exception {
        Result r = run("--help");

        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().contains("Usage: ferry-watcher SOURCE --store http://HOST:PORT [--once]"), r.stdout());
        assertTrue(r.stdout().contains("--dry-run         with --once: list what a sync would create, update, move"),
                r.stdout());
    }

    @Test
    void missingStoreAndUnknownOptionsExitTwo() throws Exception {
        assertEquals(2, run(tmp.toString()).exitCode());
        assertEquals(2, run(tmp.toString(), "--store", "http://127.0.0.1:9", "--frobnicate").exitCode());
    }

    @Test
    void parsing() throws UsageException {
        Arguments a = Arguments.parse(new String[]{"src", "--once", "--store=http://h:1"}, Optional.empty());
        assertTrue(a.once());
        assertEquals("http://h:1", a.store().orElseThrow());
        assertTrue(a.source().isAbsolute());
        assertEquals("http://env:2", Arguments.parse(new String[]{"src"}, Optional.of("http://env:2")).store().orElseThrow());
        assertThrows(UsageException.class, () -> Arguments.parse(new String[]{"src", "--store", "ftp://x"}, Optional.empty()));
        assertThrows(UsageException.class, () -> Arguments.parse(new String[]{"a", "b", "--store", "http://x"}, Optional.empty()));
        assertFalse(a.takeOver(), "taking a store over is never implied");
        assertTrue(Arguments.parse(new String[]{"src", "--take-over", "--once", "--store=http://h:1"}, Optional.empty()).takeOver());
        assertFalse(a.dryRun(), "a dry run is never implied");
        assertTrue(Arguments.parse(new String[]{"src", "--once", "--dry-run", "--store=http://h:1"}, Optional.empty()).dryRun());
    }

    @Test
    void dryRunWithoutOnceExitsTwo() throws Exception {
        Result r = run(tmp.toString(), "--store", "http://127.0.0.1:9", "--dry-run");

        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("--dry-run works with --once only"), r.stderr());
    }

    @Test
    void folderIsParsedAndABadOneExitsTwo() throws Exception {
        Arguments a = Arguments.parse(new String[]{"src", "--folder", "photos", "--store=http://h:1"}, Optional.empty());
        assertEquals(Optional.of("photos"), a.folder());
        assertEquals(Optional.of("a-b.c_1"),
                Arguments.parse(new String[]{"src", "--folder=a-b.c_1", "--store=http://h:1"}, Optional.empty()).folder());
        assertEquals(Optional.empty(), Arguments.parse(new String[]{"src", "--store=http://h:1"}, Optional.empty()).folder());

        Result r = run(tmp.toString(), "--store", "http://127.0.0.1:9", "--folder", "../Other");
        assertEquals(2, r.exitCode());
        assertTrue(r.stderr().contains("is not a folder name"), r.stderr());
    }

    @Test
    void versionsAndRestoreRunBeforeQuarkusBoots() throws Exception {
        Result r = run("versions", "a.txt");
        assertEquals(2, r.exitCode(), r.stderr());
        assertTrue(r.stderr().contains("no store given"), r.stderr());
        Result tree = run("restore", "--tree", "docs", "--at", "2h", "--store", "http://127.0.0.1:9");
        assertEquals(2, tree.exitCode(), tree.stderr());
        assertTrue(tree.stderr().contains("--to TARGET"), tree.stderr());
        assertFalse(tree.stderr().contains("Exception"), tree.stderr());
    }
}
