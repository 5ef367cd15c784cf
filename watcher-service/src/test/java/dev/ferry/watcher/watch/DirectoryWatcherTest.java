package dev.ferry.watcher.watch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectoryWatcherTest {
    @TempDir
    Path root;
    final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    final Set<String> seen = ConcurrentHashMap.newKeySet();
    DirectoryWatcher watcher;

    @AfterEach
    void stop() {
        watcher.close();
        scheduler.shutdownNow();
    }

    /** A watcher of {@code root} whose flushes record every path (and "subtree:" walk) they report in {@link #seen}. */
    private void startWatcher() throws java.io.IOException {
        createWatcher();
        watcher.start();
    }

    /** The watcher without its event thread: what {@code register}, {@code moved} and {@code forget} do alone. */
    private void createWatcher() throws java.io.IOException {
        ChangeAggregator aggregator = new ChangeAggregator(Duration.ofMillis(5), Duration.ofMillis(50), scheduler,
                d -> {
                    seen.addAll(d.paths());
                    d.subtrees().forEach(t -> seen.add("subtree:" + t));
                });
        watcher = new DirectoryWatcher(aggregator, root);
    }

    /** Watches the folder at {@code path} under that wire path, as a scan does. */
    private void register(String path) {
        watcher.register(path, root.resolve(path));
    }

    private void awaitSeen(String path) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!seen.contains(path) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(seen.contains(path), "no event for " + path + ", saw " + seen);
    }

    /**
     * Found by CrashTortureIT: a folder renamed and a new one made under the old name in the same flush. The scan
     * watches the new folder before the move is applied; the move must not take that watch along, or every later
     * change in the new folder is reported under the wrong name and never synced.
     */
    @Test
    void aFolderMadeUnderARenamedFoldersOldNameKeepsItsOwnWatch() throws Exception {
        startWatcher();
        Files.createDirectories(root.resolve("d/sub"));
        register("d");
        register("d/sub");

        Files.move(root.resolve("d"), root.resolve("dm"));
        Files.createDirectories(root.resolve("d/sub"));
        register("d");
        register("d/sub");
        watcher.moved("d", "dm");

        Files.writeString(root.resolve("d/sub/new.txt"), "in the new folder");
        Files.writeString(root.resolve("dm/sub/old.txt"), "in the renamed folder");
        awaitSeen("d/sub/new.txt");
        awaitSeen("dm/sub/old.txt");
    }

    /**
     * Found by CrashTortureIT (seed 859048165, cycle 7): a folder deleted and another made at its path while the
     * watcher was down (ext4 may hand the new folder a freed inode of the old tree, which the change detector
     * takes for a move). The scan watched the new folder, then deleting the old entry forgot the path and
     * cancelled the new folder's watch: nothing made in it afterwards was synced until the periodic rescan.
     */
    @Test
    void forgettingAReplacedFoldersOldEntryKeepsTheNewFoldersWatch() throws Exception {
        startWatcher();
        Path old = Files.createDirectories(root.resolve("d/sub"));
        register("d");
        register("d/sub");

        Files.delete(old);
        Files.delete(root.resolve("d"));
        Files.createDirectories(root.resolve("d/sub"));
        register("d");
        register("d/sub");
        watcher.forget("d/sub");
        watcher.forget("d");

        Files.writeString(root.resolve("d/new.txt"), "in the new folder");
        Files.writeString(root.resolve("d/sub/deeper.txt"), "below it");
        awaitSeen("d/new.txt");
        awaitSeen("d/sub/deeper.txt");
    }

    /**
     * A folder that is really gone (or replaced by a file) stops being watched, by {@code forget} itself. The event
     * thread is not started: it also drops the key of a deleted folder when the kernel says so, and when it did so
     * first (it usually does on an idle machine) this test passed even with {@code forget} keeping the key. ext4
     * hands the new file the folder's freed inode at once, so comparing inodes alone took the file for the folder.
     */
    @Test
    void forgettingAVanishedFolderStopsWatchingIt() throws Exception {
        createWatcher();
        Path d = Files.createDirectories(root.resolve("d"));
        register("d");
        Object folderInode = Files.readAttributes(d, BasicFileAttributes.class).fileKey();
        Files.delete(d);
        Files.writeString(root.resolve("d"), "a file now");
        Object fileInode = Files.readAttributes(root.resolve("d"), BasicFileAttributes.class).fileKey();
        watcher.forget("d");
        assertEquals(0, watcher.watchedDirectories(), "the file at d " + (folderInode.equals(fileInode)
                ? "reuses the folder's inode " + fileInode : "has its own inode"));
    }

    /**
     * Found by CrashTortureIT (seed 20261207, cycle 7; FolderRecreatedIT end to end): a folder deleted and made
     * again at once, files made in it before any scan watched it. Its old watch dies with the old folder; that
     * must ask for a walk of the path, or the new folder's files are never seen.
     */
    @Test
    void aWatchedFolderThatIsDeletedAsksForAWalkOfItsPath() throws Exception {
        startWatcher();
        Path d = Files.createDirectories(root.resolve("d"));
        register("d");
        Files.delete(d);
        Files.createDirectories(root.resolve("d"));
        Files.writeString(root.resolve("d/made-before-any-watch.txt"), "new");
        awaitSeen("subtree:d");
    }
}
