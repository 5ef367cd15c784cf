package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The change detector under ignore rules, on real files: what the rules ignore is never listed (an ignored folder is
 * not even opened), hashed or sent; a rule change forgets newly ignored entries without a delete and sends newly
 * un-ignored ones; an ignore file that cannot be read leaves its folder as last synced.
 */
class ChangeDetectorIgnoreTest {

    @TempDir
    Path root;
    @TempDir
    Path stateDir;

    private SourceScanner scanner;
    private FileHasher hasher;
    private LocalStateCache cache;
    private SourceIgnoreRules ignores;
    private ChangeDetector detector;
    /** Everything the detector told its listener, in order: "upsert p", "delete p", "move a b", "rules", ... */
    private final List<String> events = new ArrayList<>();
    private final List<String> listed = new ArrayList<>();
    private final MirrorModel mirror = new MirrorModel();
    private long age = System.currentTimeMillis() - 600_000;

    @BeforeEach
    void setUp() {
        scanner = new SourceScanner(root);
        hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner);
        cache = new LocalStateCache(stateDir, root.toString(), ChunkerParams.DEFAULT);
        detector = detector(List.of());
    }

    private ChangeDetector detector(List<String> excludes) {
        ignores = new SourceIgnoreRules(excludes);
        return new ChangeDetector(scanner, hasher, cache, new ChangeDetector.Listener() {
            @Override
            public void emit(Change change) {
                events.add(describe(change));
                mirror.apply(List.of(change));
            }

            @Override
            public void watchDirectory(String dirPath, Path dir) {
                listed.add(dirPath);
            }

            @Override
            public void ignoreRulesChanged(IgnoreSet rules) {
                events.add("rules");
                // The store forgets what the rules ignore (and leaves it in DEST).
                IgnoreRules matcher = IgnoreRules.of(rules);
                mirror.index.keySet().removeIf(p -> matcher.ignored(p,
                        Files.isDirectory(root.resolve(p), java.nio.file.LinkOption.NOFOLLOW_LINKS)));
            }

            @Override
            public void ignored(String path) {
                events.add("ignored " + path);
            }

            @Override
            public void ignoreFileUnreadable(String dirPath, String reason) {
                events.add("unreadable " + dirPath);
            }

            @Override
            public void lookAgainLater(String path, Duration delay) {
                events.add("look again " + path);
            }
        }, false, null, 0, DeleteBrake.off(), ignores);
    }

    private static String describe(Change c) {
        if (c instanceof Change.Move m) {
            return "move " + m.from() + " " + c.path();
        }
        return (c instanceof Change.Upsert ? "upsert " : "delete ") + c.path();
    }

    private List<String> flush(DirtySet dirty) {
        events.clear();
        listed.clear();
        detector.flush(dirty);
        return List.copyOf(events);
    }

    private List<String> flushAll() {
        return flush(DirtySet.everything());
    }

    private List<String> flushPaths(String... paths) {
        return flush(new DirtySet(Set.of(paths), Set.of(), false));
    }

    private void write(String path, String content) throws IOException {
        Path file = root.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(age += 1000));
    }

    private List<String> upserts(List<String> events) {
        return events.stream().filter(e -> e.startsWith("upsert ")).map(e -> e.substring(7)).sorted()
                .collect(Collectors.toList());
    }

    /** The mirror (changes applied, ignored entries forgotten) equals the cache, which equals a fresh scan. */
    private void assertConsistent() {
        Map<String, String> cached = new TreeMap<>();
        cache.entries().forEach((k, v) -> cached.put(k, v.digest()));
        assertEquals(cached, mirror.index, "the mirror differs from the cache");
        LocalStateCache fresh = new LocalStateCache(stateDir.resolve("fresh"), root.toString(), ChunkerParams.DEFAULT);
        new ChangeDetector(scanner, new FileHasher(new FastCdc(), scanner), fresh, c -> { }, false, null, 0,
                DeleteBrake.off(), new SourceIgnoreRules(ignores.set().excludes())).flush(DirtySet.everything());
        Map<String, String> disk = new TreeMap<>();
        fresh.entries().forEach((k, v) -> disk.put(k, v.digest()));
        assertEquals(disk, cached, "the cache differs from a fresh scan under the same rules");
    }

    private void tree() throws IOException {
        write(".ferryignore", "# dependencies and logs\nnode_modules/\n*.log\n!keep.log\n/build/\n");
        write("node_modules/lib/index.js", "module");
        write("node_modules/.ferryignore", "!*.log\n");
        write("app.log", "log");
        write("keep.log", "kept log");
        write("build/out.bin", "output");
        write("src/build/gen.java", "not the top build folder");
        write("src/Main.java", "class Main {}");
        write("docs/.ferryignore", "*.tmp\n");
        write("docs/a.tmp", "tmp");
        write("docs/readme.md", "readme");
        write("docs/deep/b.tmp", "deep tmp");
    }

    @Test
    void rulesAtStartLeaveIgnoredEntriesUnlistedUnhashedAndUnsent() throws IOException {
        tree();

        List<String> events = flushAll();

        assertEquals(List.of(".ferryignore", "docs", "docs/.ferryignore", "docs/deep", "docs/readme.md", "keep.log",
                "src", "src/Main.java", "src/build", "src/build/gen.java"), upserts(events));
        assertEquals("rules", events.get(0), "the store hears the rules before the changes: " + events);
        assertFalse(listed.contains("node_modules") || listed.contains("build"), "ignored folders are not listed: " + listed);
        assertEquals(List.of("", "docs"), ignores.folders(), "no rules are read inside an ignored folder");
        assertEquals(6, hasher.filesHashed(), "only the files that are synced are hashed");
        assertConsistent();
        assertEquals(List.of(), flushAll(), "a rescan finds nothing to send");
    }

    @Test
    void excludePatternsHaveTheLowestPrecedence() throws IOException {
        detector = detector(List.of("*.md", "*.txt", "secret/"));
        write(".ferryignore", "!important.txt\n");
        write("a.md", "a");
        write("notes.txt", "n");
        write("important.txt", "i");
        write("secret/key", "k");

        assertEquals(List.of(".ferryignore", "important.txt"), upserts(flushAll()));
        assertConsistent();
    }

    @Test
    void aNewRuleForgetsWithoutDeletingAndLaterEditsAreNotSent() throws IOException {
        tree();
        write("cache/data.bin", "cached data");
        write("cache/sub/more.bin", "more");
        flushAll();
        assertTrue(cache.contains("cache/sub/more.bin"));

        write(".ferryignore", Files.readString(root.resolve(".ferryignore")) + "cache/\n");
        List<String> events = flushPaths(".ferryignore");

        assertEquals(List.of("ignored cache", "rules", "upsert .ferryignore"), events,
                "no delete: the store forgets the folder and leaves it in DEST");
        assertFalse(cache.contains("cache") || cache.contains("cache/data.bin"));
        assertConsistent();

        write("cache/data.bin", "edited while ignored");
        write("cache/new.bin", "new while ignored");
        assertEquals(List.of(), flushPaths("cache/data.bin", "cache/new.bin", "cache"));
        assertEquals(List.of(), flushAll());

        // The rule goes: the folder is found again and sent with what it holds now.
        write(".ferryignore", Files.readString(root.resolve(".ferryignore")).replace("cache/\n", ""));
        events = flushPaths(".ferryignore");
        assertEquals("rules", events.get(0), events.toString());
        assertEquals(List.of(".ferryignore", "cache", "cache/data.bin", "cache/new.bin", "cache/sub",
                "cache/sub/more.bin"), upserts(events));
        assertTrue(listed.contains("cache") && listed.contains("cache/sub"), "un-ignored folders are listed (watched)");
        assertConsistent();
    }

    @Test
    void aDeletedIgnoreFileUnignoresAndItsRemovalIsMirrored() throws IOException {
        tree();
        flushAll();

        Files.delete(root.resolve("docs/.ferryignore"));
        List<String> events = flushPaths("docs/.ferryignore", "docs");

        assertTrue(events.indexOf("rules") >= 0 && events.indexOf("rules") < events.indexOf("delete docs/.ferryignore"),
                events.toString());
        assertEquals(List.of("docs", "docs/a.tmp", "docs/deep/b.tmp"), upserts(events));
        assertEquals(List.of(""), ignores.folders());
        assertConsistent();
    }

    @Test
    void aMovedFolderTakesItsIgnoreFileAlong() throws IOException {
        tree();
        flushAll();

        Files.move(root.resolve("docs"), root.resolve("manual"));
        List<String> events = flushPaths("docs", "manual");

        assertTrue(events.contains("move docs manual"), events.toString());
        assertFalse(events.stream().anyMatch(e -> e.endsWith(".tmp")), "still ignored under its new name: " + events);
        assertEquals(List.of("", "manual"), ignores.folders());
        assertConsistent();
    }

    @Test
    void anIgnoreFileThatCannotBeReadLeavesItsFolderAsLastSynced() throws IOException {
        tree();
        write("docs/guide.md", "guide");
        flushAll();
        int cached = cache.size();

        scanner.statFaults(path -> path.equals("docs/.ferryignore")
                ? new FileSystemException(path, null, "Input/output error") : null);
        Files.delete(root.resolve("docs/guide.md"));
        write("docs/c.tmp", "would be ignored by the unreadable rules");
        List<String> events = flushAll();

        assertEquals(List.of("unreadable docs", "look again docs"),
                events.stream().filter(e -> !e.equals("upsert docs")).toList(), "nothing below docs deleted or sent");
        assertEquals(cached, cache.size());
        assertTrue(cache.contains("docs/guide.md"));
        assertNotNull(detector.ignoreProblem());
        assertTrue(detector.ignoreProblem().contains("docs/.ferryignore") && detector.ignoreProblem().contains("Input/output error"),
                detector.ignoreProblem());
        assertEquals(List.of("", "docs"), ignores.folders(), "its last rules stay");

        scanner.statFaults(path -> null);
        events = flush(new DirtySet(Set.of(), Set.of("docs"), false));
        assertEquals(List.of("delete docs/guide.md"), events.stream().filter(e -> !e.equals("upsert docs")).toList());
        assertNull(detector.ignoreProblem());
        assertConsistent();
    }

    @Test
    void rulesPastTheLimitAreRefusedWithTheLimitNamed() throws IOException {
        write("a.txt", "a");
        flushAll();
        write("big/.ferryignore", "x".repeat(IgnoreSet.MAX_TEXT_BYTES) + "\n");
        write("big/b.txt", "b");

        List<String> events = flushAll();

        assertTrue(events.contains("unreadable big"), events.toString());
        assertTrue(detector.ignoreProblem().contains(String.valueOf(IgnoreSet.MAX_TEXT_BYTES)), detector.ignoreProblem());
        assertFalse(cache.contains("big/b.txt"), "below a folder whose rules are unknown nothing is sent");
    }
}
