package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delete brake (ferry.watcher.max-delete, default 50%): an rm -rf of most of a tree, done in several steps, is
 * not mirrored past the limit; DEST keeps the rest, the watcher says so in its log and /status, other changes go on,
 * and one command lets the deletions go.
 */
class DeleteBrakeIT {
    private static final int DIRS = 8;
    private static final int FILES_PER_DIR = 50;
    private static final Pattern HELD = Pattern.compile("\"deletesHeld\":(\\d+)");

    private static void populate(Path source) throws Exception {
        for (int d = 0; d < DIRS; d++) {
            for (int f = 0; f < FILES_PER_DIR; f++) {
                Trees.write(source.resolve("dir-" + d + "/file-" + f + ".txt"), "content " + d + "/" + f);
            }
        }
    }

    private static long held(FerryProcess watcher) {
        Matcher m = HELD.matcher(SourceGuardIT.status(watcher));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    @Test
    void mostOfATreeDeletedInStepsIsHeldUntilReleased(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "brake-live")) {
            populate(pair.source);
            pair.startStore().startWatcher();
            pair.awaitMirror(Duration.ofSeconds(120));

            // 408 entries; 50% lets 204 go within a minute: three folders of 51 entries each go, one by one.
            for (int d = 0; d < 3; d++) {
                Trees.deleteTree(pair.source.resolve("dir-" + d));
                Path gone = pair.dest.resolve("dir-" + d);
                Trees.await("dir-" + d + " deleted in DEST", Duration.ofSeconds(30), () -> !Files.exists(gone),
                        pair.watcher, pair.store);
            }
            // The next three pass the limit (and would even if the minute had run out: 153 of 255): held. A flush
            // that catches the rm -rf half way may still send up to the limit, never more.
            for (int d = 3; d < 6; d++) {
                Trees.deleteTree(pair.source.resolve("dir-" + d));
            }
            Trees.await("the watcher to hold the deletions, DEST keeping what it holds", Duration.ofSeconds(30),
                    () -> held(pair.watcher) > 0 && entries(pair.dest) == entries(pair.source) + held(pair.watcher),
                    pair.watcher);
            assertTrue(entries(pair.dest) >= DIRS * (FILES_PER_DIR + 1) / 2,
                    "at most half of the tree went: DEST has " + entries(pair.dest));
            String status = SourceGuardIT.status(pair.watcher);
            assertTrue(status.contains("--release-deletes"), status);
            assertTrue(pair.watcher.log().contains("WARN") && pair.watcher.log().contains("holding "),
                    pair.watcher.logTail());

            // Upserts go on while deletions are held.
            Trees.write(pair.source.resolve("dir-7/new.txt"), "written during the hold");
            Path arrived = pair.dest.resolve("dir-7/new.txt");
            Trees.await("an upsert during the hold", Duration.ofSeconds(30), () -> Files.exists(arrived), pair.watcher);
            long held = held(pair.watcher);
            assertEquals(entries(pair.source) + held, entries(pair.dest), "DEST still keeps the held entries");
            assertEquals(1, count(pair.watcher.log(), "holding "), "said once per hold");

            FerryProcess release = FerryProcess.start("brake-release", FerryProcess.watcherJar(),
                    List.of("--release-deletes"), pair.watcher.httpPort, pair.env);
            assertEquals(0, release.awaitExit(Duration.ofSeconds(60)), release.logTail());
            assertTrue(release.log().contains("released " + held + " held deletions"), release.logTail());
            pair.awaitMirror();
            assertEquals(0, held(pair.watcher));
        }
    }

    @Test
    void onceWithHeldDeletionsExitsNonZeroAndASettingLetsThemGo(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "brake-once")) {
            populate(pair.source);
            pair.startStore();
            assertEquals(0, pair.runOnce("fill"));
            for (int d = 0; d < 6; d++) {
                Trees.deleteTree(pair.source.resolve("dir-" + d));
            }
            try (FerryProcess once = FerryProcess.watcher("brake-once-held", pair.source, pair.proxy.url(), pair.env,
                    "--once")) {
                assertEquals(1, once.awaitExit(FerryPair.SYNC_TIMEOUT), once.logTail());
                assertTrue(once.log().contains("ferry.watcher.max-delete"), once.logTail());
            }
            assertTrue(Files.exists(pair.dest.resolve("dir-0/file-0.txt")), "DEST keeps the held deletions");
            pair.env.put("FERRY_WATCHER_MAX_DELETE", "off");
            assertEquals(0, pair.runOnce("off"));
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));
        }
    }

    private static int entries(Path tree) {
        return Trees.snapshot(tree).size();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
