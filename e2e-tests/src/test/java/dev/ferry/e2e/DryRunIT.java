package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ferry-watcher SOURCE --once --dry-run} with a real store and real watcher processes: over a tree that
 * needs every kind of change it prints exactly the changes a sync would make, and leaves DEST, the store's
 * {@code .ferry} and the watcher's state byte for byte as they were; a real {@code --once} then makes DEST right,
 * and the next dry run says it is in sync. {@code --dry-run} without {@code --once} is a usage error.
 */
class DryRunIT {
    private static final Duration RUN = Duration.ofSeconds(60);

    /** The result of one watcher run: its exit code, its stdout lines, and its stderr (the log). */
    private record Run(int exit, List<String> out, String err) {
    }

    @Test
    void aDryRunListsEveryChangeAndChangesNothing(@TempDir Path root) throws Exception {
        Path source = Files.createDirectories(root.resolve("source"));
        Path dest = root.resolve("dest");
        Path state = root.resolve("watcher-state");
        Trees.write(source.resolve("docs/a.md"), "# docs");
        Trees.writeRandom(source.resolve("src/main.c"), 1, 5_000);
        Trees.write(source.resolve("keep/meta.txt"), "only its mtime will change");
        Trees.writeRandom(source.resolve("old.txt"), 2, 40_000);
        Trees.write(source.resolve("tmp/x.log"), "log");
        Trees.write(source.resolve("notes.bak"), "mirrored, then ignored");
        for (int i = 0; i < 100; i++) {
            Trees.write(source.resolve(String.format("many/f-%03d", i)), "file " + i);
        }
        // The periodic audit off: the foreign entries stay in DEST until a sync removes them. The JVMs start with C1
        // only and the serial collector: five short-lived processes, each ~40% less CPU to boot (a native build
        // ignores the variable).
        Map<String, String> env = Map.of("FERRY_WATCHER_STATE_DIR", state.toString(), "FERRY_STORE_AUDIT", "false",
                "JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
        try (FerryProcess store = FerryProcess.store("dry-run-store", dest, env)) {
            assertEquals(0, watcher(source, store, env, "--once").exit(), store.logTail());
            assertEquals(List.of(), Trees.differences(source, dest));

            // Every kind: a new file, an edit, a touch, a rename, deletions in the source, foreign entries in DEST.
            Trees.write(source.resolve("docs/new.md"), "new page, 23 bytes long");
            Trees.writeRandom(source.resolve("src/main.c"), 3, 5_001);
            Trees.setMtime(source.resolve("keep/meta.txt"), 1_500_000_000L);
            Files.move(source.resolve("old.txt"), source.resolve("new.txt"));
            Files.delete(source.resolve("tmp/x.log"));
            Files.delete(source.resolve("many/f-007"));
            Trees.write(dest.resolve("stray.txt"), "made in DEST");
            Trees.write(dest.resolve("stray-dir/inner/y"), "made in DEST too");
            // A new rule: the mirrored notes.bak is forgotten, not deleted; DEST's own cache.bak is left alone.
            Trees.write(source.resolve(".ferryignore"), "*.bak\n");
            Trees.write(dest.resolve("cache.bak"), "made in DEST, ignored by the source's rules");
            Map<String, String> destBefore = bytes(dest);
            Map<String, String> stateBefore = bytes(state);

            // With max-delete=1 the real run would hold the two deletions: the dry run says so and lists them.
            Map<String, String> braked = new java.util.HashMap<>(env);
            braked.put("FERRY_WATCHER_MAX_DELETE", "1");
            Run dry = watcher(source, store, braked, "--once", "--dry-run");
            assertEquals(0, dry.exit(), dry.err());
            List<String> out = dry.out();
            assertEquals(List.of(
                    "create  .ferryignore",
                    "update  docs/ (mode or mtime only)",
                    "create  docs/new.md",
                    "update  keep/meta.txt (mode or mtime only)",
                    "update  many/ (mode or mtime only)",
                    "delete  many/f-007",
                    "move    old.txt -> new.txt",
                    "update  src/main.c",
                    "delete  stray-dir/ (only in DEST)",
                    "delete  stray.txt (only in DEST)",
                    "update  tmp/ (mode or mtime only)",
                    "delete  tmp/x.log"), out.subList(0, out.size() - 2), String.join("\n", out) + "\n" + dry.err());
            assertTrue(out.get(out.size() - 2).startsWith("note: a real run would stop here: holding 2 deletions"),
                    out.get(out.size() - 2));
            assertEquals("dry run: 2 to create, 5 to update, 1 to move, 4 to delete (2 only in DEST); "
                    + "4.9 KiB to upload (3 chunks the store lacks); nothing was changed", out.get(out.size() - 1));

            assertEquals(destBefore, bytes(dest), "the dry run changed DEST or the store's .ferry");
            assertEquals(stateBefore, bytes(state), "the dry run changed the watcher's state");

            // A real run makes DEST right; then a dry run finds nothing to do.
            assertEquals(0, watcher(source, store, env, "--once").exit(), store.logTail());
            assertEquals("made in DEST, ignored by the source's rules", Files.readString(dest.resolve("cache.bak")));
            Files.delete(dest.resolve("cache.bak"));
            assertEquals(List.of(), Trees.differences(source, dest));
            Run clean = watcher(source, store, env, "--once", "--dry-run");
            assertEquals(0, clean.exit(), clean.err());
            assertEquals(List.of("dry run: DEST is in sync with SOURCE (110 entries); nothing was changed"), clean.out());
        }

        Run usage = watcher(source, null, Map.of(), "--dry-run");
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("--dry-run works with --once only"), usage.err());
    }

    /** Runs a watcher over {@code source} to its end, stdout and stderr apart; {@code store} null: no store. */
    private static Run watcher(Path source, FerryProcess store, Map<String, String> env, String... extra) throws Exception {
        Path dir = Files.createTempDirectory("dry-run-io");
        List<String> cmd = new ArrayList<>(FerryProcess.command(FerryProcess.watcherJar()));
        cmd.add(source.toString());
        cmd.add("--store");
        cmd.add(store == null ? "http://127.0.0.1:9" : store.url());
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("FERRY_TOKEN");
        pb.environment().remove("FERRY_STORE_URL");
        pb.environment().putAll(env);
        pb.redirectOutput(dir.resolve("out").toFile());
        pb.redirectError(dir.resolve("err").toFile());
        Process p = pb.start();
        if (!p.waitFor(RUN.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the watcher still runs after " + RUN + ":\n" + Files.readString(dir.resolve("err")));
        }
        return new Run(p.exitValue(), Files.readAllLines(dir.resolve("out")), Files.readString(dir.resolve("err")));
    }

    /** Every entry under {@code root}, hidden state included: type, permissions, mtime and the SHA-256 of its bytes. */
    private static Map<String, String> bytes(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String what = (a.isDirectory() ? "dir " : a.isSymbolicLink() ? "link " : "file ")
                        + PosixFilePermissions.toString(a.permissions()) + " " + a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                if (a.isRegularFile()) {
                    try {
                        what += " " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IllegalStateException(e);
                    }
                }
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }
}
