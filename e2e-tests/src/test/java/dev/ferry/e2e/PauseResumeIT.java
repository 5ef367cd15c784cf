package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ferry-watcher pause} / {@code resume} / {@code status} against a real store and watcher: while paused,
 * creates, edits, a delete, a rename and a new folder leave DEST as it was and not a byte goes to the store, even
 * across a watcher restart (the pause is kept); resume sends them all; status says what it must in each state, and
 * exits 1 naming the port when no watcher answers.
 */
class PauseResumeIT {
    private static final Pattern SEEN = Pattern.compile("\"changesWhilePaused\":(\\d+)");
    private static final Duration HOLD = Duration.ofSeconds(2);

    @Test
    void changesMadeWhilePausedWaitAndAllArriveOnResume(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "pause")) {
            Trees.write(pair.source.resolve("a.txt"), "version 1");
            Trees.write(pair.source.resolve("old-name.txt"), "renamed while paused");
            Trees.write(pair.source.resolve("to-delete.txt"), "deleted while paused");
            Trees.writeRandom(pair.source.resolve("dir/big.bin"), 7, 1 << 20);
            pair.startStore().startWatcher();
            pair.awaitMirror();

            Command paused = command(pair, "pause");
            assertEquals(0, paused.exit(), paused.output());
            assertTrue(paused.output().contains("paused: nothing is sent"), paused.output());
            Trees.await("the watcher to drop its connection", Duration.ofSeconds(10),
                    () -> SourceGuardIT.status(pair.watcher).contains("\"state\":\"paused\""), pair.watcher);
            Map<String, Trees.Entry> before = Trees.snapshot(pair.dest);
            long sent = pair.proxy.upstream();

            Trees.write(pair.source.resolve("a.txt"), "version 2, edited while paused");
            Trees.write(pair.source.resolve("new.txt"), "created while paused");
            Trees.writeRandom(pair.source.resolve("new-dir/x.bin"), 8, 2 << 20);
            Files.delete(pair.source.resolve("to-delete.txt"));
            Files.move(pair.source.resolve("old-name.txt"), pair.source.resolve("new-name.txt"));
            Files.createDirectories(pair.source.resolve("empty-dir"));
            // Seen (counted in /status), or else sent: then the hold below fails saying so.
            Trees.await("the watcher to see the changes", Duration.ofSeconds(20),
                    () -> seen(pair.watcher) >= 5 || !before.equals(Trees.snapshot(pair.dest)), pair.watcher);
            assertUnchangedFor(HOLD, pair, before, sent);

            Command status = command(pair, "status");
            assertEquals(0, status.exit(), status.output());
            assertTrue(status.output().contains("PAUSED, nothing is sent"), status.output());
            assertTrue(status.output().contains("Paused") && status.output().contains("yes, since"), status.output());
            assertTrue(status.output().contains("wait for 'ferry-watcher resume'"), status.output());

            // The pause outlives a restart (kept in the state folder), and says so at start.
            pair.stopWatcher();
            Trees.write(pair.source.resolve("while-stopped.txt"), "written while the watcher was stopped");
            pair.startWatcher();
            Trees.await("the restarted watcher to say it is paused", Duration.ofSeconds(30),
                    () -> pair.watcher.log().contains("PAUSED since"), pair.watcher);
            Trees.await("the restarted watcher to scan", Duration.ofSeconds(30),
                    () -> pair.watcher.log().contains("scanned "), pair.watcher);
            assertUnchangedFor(HOLD, pair, before, pair.proxy.upstream());

            Command resumed = command(pair, "resume");
            assertEquals(0, resumed.exit(), resumed.output());
            assertTrue(resumed.output().contains("resumed"), resumed.output());
            pair.awaitMirror();

            Trees.await("the store to confirm the mirror", Duration.ofSeconds(30),
                    () -> SourceGuardIT.status(pair.watcher).contains("\"state\":\"idle\""), pair.watcher);
            Command synced = command(pair, "status");
            assertEquals(0, synced.exit(), synced.output());
            for (String expected : List.of("Mirror", "in sync since", "Pending", "nothing", "Rate", "no limit",
                    "Paused", "Last changes", "upsert", "new-name.txt", "Last error")) {
                assertTrue(synced.output().contains(expected), "'" + expected + "' in\n" + synced.output());
            }
            System.out.println("ferry-watcher status after resume:\n" + synced.output());

            int port = pair.watcher.httpPort;
            pair.stopWatcher();
            Command gone = command(pair, "status", port);
            assertEquals(1, gone.exit(), gone.output());
            assertTrue(gone.output().contains("cannot reach the watcher at http://127.0.0.1:" + port), gone.output());
        }
    }

    private static long seen(FerryProcess watcher) {
        Matcher m = SEEN.matcher(SourceGuardIT.status(watcher));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** DEST stays as it was and no byte goes towards the store, checked every 100 ms for {@code hold}. */
    private static void assertUnchangedFor(Duration hold, FerryPair pair, Map<String, Trees.Entry> before, long sent) {
        long until = System.nanoTime() + hold.toNanos();
        while (System.nanoTime() < until) {
            assertEquals(before, Trees.snapshot(pair.dest), "DEST changed while paused");
            assertEquals(sent, pair.proxy.upstream(), "bytes went to the store while paused");
            FerryProcess.sleep(100);
        }
    }

    private record Command(int exit, String output) {
    }

    private static Command command(FerryPair pair, String name) throws InterruptedException {
        return command(pair, name, pair.watcher.httpPort);
    }

    private static Command command(FerryPair pair, String name, int port) throws InterruptedException {
        FerryProcess p = FerryProcess.start("pause-cli-" + name, FerryProcess.watcherJar(), List.of(name), port, pair.env);
        int exit = p.awaitExit(Duration.ofSeconds(60));
        return new Command(exit, p.log());
    }
}
