package dev.ferry.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13, ignore rules end to end, with a real store and real watchers (one store for the class): rules at start
 * from {@code .ferryignore} files (a folder rule, a glob with a negation, an anchored folder, a nested file) and from
 * {@code --exclude}; build output made on the store's side is left alone while foreign entries still go; a rule
 * added live leaves the file in DEST and stops later edits from reaching it, and removing the rule syncs it again;
 * {@code --once} exits 0 with ignored entries in DEST.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IgnoreRulesIT {
    private static final Duration SYNC = Duration.ofSeconds(30);
    private static final String RULES = "# dependencies, logs and the top build folder\nnode_modules/\n*.log\n!keep.log\n/build/\n";

    private static Path root;
    private static FerryPair pair;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory("ignore-rules-it");
        pair = new FerryPair(root, "ignore");
        Path s = pair.source;
        Trees.write(s.resolve(".ferryignore"), RULES);
        Trees.write(s.resolve("node_modules/left-pad/index.js"), "module.exports = 1;");
        Trees.write(s.resolve("node_modules/left-pad/.ferryignore"), "!*.log\n");
        Trees.write(s.resolve("app.log"), "a log line");
        Trees.write(s.resolve("keep.log"), "a log worth keeping");
        Trees.write(s.resolve("build/out.bin"), "the source's own build output");
        Trees.write(s.resolve("src/build/generated.java"), "not the top build folder: synced");
        Trees.write(s.resolve("src/Main.java"), "class Main {}");
        Trees.write(s.resolve("src/config.json"), "{\"version\": 1}");
        Trees.write(s.resolve("docs/.ferryignore"), "*.tmp\n");
        Trees.write(s.resolve("docs/readme.md"), "readme");
        Trees.write(s.resolve("docs/draft.tmp"), "a draft");
        Trees.write(s.resolve("docs/deep/notes.tmp"), "deeper draft");
        Trees.write(s.resolve("notes.bak"), "excluded on the command line");
        // The build box's own output in DEST, and a foreign file that is not ignored.
        Trees.write(pair.dest.resolve("build/local-artifact.bin"), "built on the store's machine");
        Trees.write(pair.dest.resolve("node_modules/native/binding.node"), "compiled on the store's machine");
        Trees.write(pair.dest.resolve("stray.txt"), "foreign, not ignored: removed");
        pair.startStore();
        pair.startWatcher("--exclude", "*.bak");
    }

    @AfterAll
    static void stop() throws Exception {
        if (pair != null) {
            pair.close();
        }
        Trees.deleteTree(root);
    }

    /** What the rules of this class ignore, as git would (the rules are checked against git elsewhere). */
    private static boolean ignored(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return path.equals("node_modules") || path.startsWith("node_modules/")
                || path.equals("build") || path.startsWith("build/")
                || (name.endsWith(".log") && !name.equals("keep.log"))
                || (path.startsWith("docs/") && name.endsWith(".tmp"))
                || name.endsWith(".bak")
                || extraIgnored.test(path);
    }

    /** A rule a test adds live. */
    private static volatile Predicate<String> extraIgnored = path -> false;

    /** Differences between SOURCE and DEST outside the ignored entries (and DEST's .ferry). */
    private static List<String> differencesOutsideIgnored() {
        Map<String, Trees.Entry> a = Trees.snapshot(pair.source);
        Map<String, Trees.Entry> b = Trees.snapshot(pair.dest);
        a.keySet().removeIf(IgnoreRulesIT::ignored);
        b.keySet().removeIf(IgnoreRulesIT::ignored);
        List<String> diffs = new ArrayList<>();
        for (var e : a.entrySet()) {
            Trees.Entry other = b.get(e.getKey());
            if (other == null) {
                diffs.add("missing in DEST: " + e.getKey());
            } else if (!other.equals(e.getValue())) {
                diffs.add("differs: " + e.getKey() + " source=" + e.getValue() + " dest=" + other);
            } else if (e.getValue().type().equals("file") && !sameBytes(e.getKey())) {
                diffs.add("bytes differ: " + e.getKey());
            }
        }
        for (String extra : b.keySet()) {
            if (!a.containsKey(extra)) {
                diffs.add("extra in DEST: " + extra);
            }
        }
        return diffs;
    }

    private static boolean sameBytes(String path) {
        try {
            return Files.mismatch(pair.source.resolve(path), pair.dest.resolve(path)) == -1;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static void awaitMirrorOutsideIgnored() {
        Trees.await("DEST to equal SOURCE outside the ignored entries", SYNC,
                () -> differencesOutsideIgnored().isEmpty(), pair.store, pair.watcher);
    }

    private static String dest(String path) throws Exception {
        return Files.readString(pair.dest.resolve(path));
    }

    /** Writes a marker file and waits for it in DEST: the watcher has flushed everything written before it. */
    private static void syncMarker(String name) throws Exception {
        Trees.write(pair.source.resolve("markers/" + name), name);
        Trees.await("the marker " + name + " in DEST", SYNC, () -> Files.exists(pair.dest.resolve("markers/" + name)),
                pair.store, pair.watcher);
    }

    @Test
    @Order(1)
    void rulesAtStartAreFollowedAndTheStoresOwnBuildOutputIsLeftAlone() throws Exception {
        awaitMirrorOutsideIgnored();

        for (String path : List.of("node_modules/left-pad", "app.log", "build/out.bin", "docs/draft.tmp", "docs/deep/notes.tmp",
                "notes.bak")) {
            assertFalse(Files.exists(pair.dest.resolve(path)), path + " is ignored: never sent");
        }
        assertEquals("not the top build folder: synced", dest("src/build/generated.java"), "/build/ is anchored");
        assertEquals("a log worth keeping", dest("keep.log"), "!keep.log re-includes it");
        assertEquals(RULES, dest(".ferryignore"), "the rules files are mirrored");
        assertEquals("*.tmp\n", dest("docs/.ferryignore"));
        assertEquals("built on the store's machine", dest("build/local-artifact.bin"), "DEST's build output stays");
        assertEquals("compiled on the store's machine", dest("node_modules/native/binding.node"));
        Trees.await("the foreign, not ignored stray.txt to be removed", SYNC,
                () -> !Files.exists(pair.dest.resolve("stray.txt")), pair.store, pair.watcher);

        // Made in DEST while both run: left alone too.
        Trees.write(pair.dest.resolve("build/made-later.bin"), "made while running");
        syncMarker("after-dest-build");
        assertEquals("made while running", dest("build/made-later.bin"));
        assertTrue(pair.watcher.log().contains("the ignore rules changed"), pair.watcher.logTail());
    }

    @Test
    @Order(2)
    void aRuleAddedLiveKeepsTheFileInDestAndLaterEditsStayInSource() throws Exception {
        assertEquals("{\"version\": 1}", dest("src/config.json"));
        String rules = RULES + "config.json\n";
        extraIgnored = path -> path.endsWith("/config.json") || path.equals("config.json");
        Trees.write(pair.source.resolve(".ferryignore"), rules);
        Trees.await("the new rules in DEST", SYNC, () -> {
            try {
                return rules.equals(dest(".ferryignore"));
            } catch (Exception e) {
                return false;
            }
        }, pair.store, pair.watcher);

        Trees.write(pair.source.resolve("src/config.json"), "{\"version\": 2}");
        syncMarker("after-ignored-edit");
        assertTrue(Files.exists(pair.dest.resolve("src/config.json")), "a newly ignored file is never deleted from DEST\n"
                + pair.watcher.logTail());
        assertEquals("{\"version\": 1}", dest("src/config.json"), "an ignored file is left in DEST as it was");
        awaitMirrorOutsideIgnored();
        assertFalse(pair.watcher.log().contains("delete src/config.json"), pair.watcher.logTail());

        // The rule goes: the file is synced again, with the edit made while it was ignored.
        Trees.write(pair.source.resolve(".ferryignore"), RULES);
        extraIgnored = path -> false;
        Trees.await("the edit made while ignored to reach DEST", SYNC, () -> {
            try {
                return "{\"version\": 2}".equals(dest("src/config.json"));
            } catch (Exception e) {
                return false;
            }
        }, pair.store, pair.watcher);
        awaitMirrorOutsideIgnored();
    }

    @Test
    @Order(3)
    void onceExitsZeroWithIgnoredEntriesInDest() throws Exception {
        pair.stopWatcher();
        Trees.write(pair.source.resolve("src/after.txt"), "written while no watcher ran");
        Trees.write(pair.source.resolve("late.log"), "ignored");
        try (FerryProcess once = FerryProcess.watcher("ignore-once", pair.source, pair.proxy.url(), pair.env,
                "--once", "--exclude=*.bak")) {
            assertEquals(0, once.awaitExit(SYNC), once.logTail() + "\n" + pair.store.logTail());
        }
        assertEquals(List.of(), differencesOutsideIgnored(), "right after --once exited 0");
        assertTrue(Files.exists(pair.dest.resolve("build/local-artifact.bin")));
        assertTrue(Files.exists(pair.dest.resolve("node_modules/native/binding.node")));
        assertFalse(Files.exists(pair.dest.resolve("late.log")));
        assertFalse(Files.exists(pair.dest.resolve("notes.bak")));
    }
}
