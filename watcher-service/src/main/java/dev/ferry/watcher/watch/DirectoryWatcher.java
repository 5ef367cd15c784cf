package dev.ferry.watcher.watch;

import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.sync.WatchedTree;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Watches every directory of the source with the platform's WatchService (inotify on Linux) and feeds what it
 * reports to a {@link ChangeAggregator}: each event marks the named entry and its directory dirty; a lost-events
 * overflow asks for a full rescan. Directories are registered by the scans (before they are listed, so no
 * event between registering and listing is missed). Keys are tracked by wire path, so a moved directory keeps
 * its watch under its new name.
 */
public final class DirectoryWatcher implements WatchedTree, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DirectoryWatcher.class);

    private final WatchService service;
    private final ChangeAggregator aggregator;
    private final Map<WatchKey, String> keyPaths = new ConcurrentHashMap<>();
    private final Map<String, WatchKey> pathKeys = new ConcurrentHashMap<>();
    /** The identity (inode) of the directory each key watches, so a move rebases only the keys that moved. */
    private final Map<WatchKey, Object> keyDirs = new ConcurrentHashMap<>();
    private final Path root;
    private final Predicate<String> ignored;
    private final Thread thread;
    private volatile boolean limitWarned;
    private volatile boolean closed;

    public DirectoryWatcher(ChangeAggregator aggregator) throws IOException {
        this(aggregator, null);
    }

    /** With {@code root}, a move checks each watched directory's identity at its new place before rebasing it. */
    public DirectoryWatcher(ChangeAggregator aggregator, Path root) throws IOException {
        this(aggregator, root, path -> false);
    }

    /**
     * With {@code ignored}: the events of the paths it accepts are dropped (the ignore rules' entries, whatever
     * they are; an ignore file's own events always count, since the rules are read from it even when it is ignored).
     */
    public DirectoryWatcher(ChangeAggregator aggregator, Path root, Predicate<String> ignored) throws IOException {
        this.ignored = ignored;
        this.root = root;
        this.service = FileSystems.getDefault().newWatchService();
        this.aggregator = aggregator;
        this.thread = new Thread(this::run, "ferry-watch");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Watches the directory {@code dirPath} ("" for the source root). */
    @Override
    public void register(String dirPath, Path dir) {
        if (closed) {
            return;
        }
        try {
            WatchKey key = dir.register(service, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE, StandardWatchEventKinds.ENTRY_MODIFY);
            String old = keyPaths.put(key, dirPath);
            if (old != null && !old.equals(dirPath)) {
                pathKeys.remove(old, key);
            }
            pathKeys.put(dirPath, key);
            Object id = identity(dir);
            if (id != null) {
                keyDirs.put(key, id);
            }
        } catch (IOException e) {
            if (!limitWarned) {
                limitWarned = true;
                LOG.warnf("cannot watch %s (%s): changes there are found by the periodic rescan only; "
                                + "on Linux raise fs.inotify.max_user_watches if the limit is reached",
                        dirPath.isEmpty() ? dir : RelativePaths.printable(dirPath), SourceScanner.describe(e));
            }
        }
    }

    /**
     * The directory {@code from} is now {@code to}: rename the watches at and below it. A directory created at
     * {@code from} (or below) after the move, and already watched by the scan that saw the move, keeps its path:
     * a key whose directory still sits at its recorded path is not rebased.
     */
    @Override
    public void moved(String from, String to) {
        for (Map.Entry<WatchKey, String> e : List.copyOf(keyPaths.entrySet())) {
            String path = e.getValue();
            if (!RelativePaths.isUnder(path, from)) {
                continue;
            }
            WatchKey key = e.getKey();
            String rebased = RelativePaths.rebase(path, from, to);
            Object id = keyDirs.get(key);
            if (root != null && id != null && id.equals(identity(FileNames.resolve(root, path)))) {
                continue; // a new directory at the old place, watched by the scan that saw the move
            }
            keyPaths.put(key, rebased);
            pathKeys.remove(path, key);
            pathKeys.put(rebased, key);
        }
    }

    /**
     * The inode of the directory at {@code dir}, or null when no directory is there: a file or link made at a
     * deleted directory's path is often given its freed inode (ext4 does so at once), and must not pass for it.
     */
    private static Object identity(Path dir) {
        try {
            BasicFileAttributes attrs = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return attrs.isDirectory() ? attrs.fileKey() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The entry at {@code path} and everything below it are gone: stop watching them. A key whose directory still
     * sits at its path is kept: a directory made at that path since (or one the file system gave the old one's
     * inode, which the change detector may take for a move) was watched by the scan that saw the change, and
     * cancelling its key would lose every later event in it.
     */
    @Override
    public void forget(String path) {
        List<String> affected = new ArrayList<>();
        for (String p : pathKeys.keySet()) {
            if (RelativePaths.isUnder(p, path)) {
                affected.add(p);
            }
        }
        for (String p : affected) {
            WatchKey key = pathKeys.get(p);
            if (key == null) {
                continue;
            }
            Object id = keyDirs.get(key);
            if (root != null && id != null && id.equals(identity(FileNames.resolve(root, p)))) {
                continue;
            }
            pathKeys.remove(p, key);
            keyPaths.remove(key);
            keyDirs.remove(key);
            key.cancel();
        }
    }

    /**
     * The ignore rules now leave out {@code path} and everything below it, though it is still there: stop watching
     * it (an ignored node_modules must not hold inotify watches).
     */
    @Override
    public void unwatch(String path) {
        for (Map.Entry<String, WatchKey> e : List.copyOf(pathKeys.entrySet())) {
            if (RelativePaths.isUnder(e.getKey(), path)) {
                WatchKey key = e.getValue();
                pathKeys.remove(e.getKey(), key);
                keyPaths.remove(key);
                keyDirs.remove(key);
                key.cancel();
            }
        }
    }

    /** True when {@code dirPath} ("" for the source root) is watched. */
    public boolean watches(String dirPath) {
        return pathKeys.containsKey(dirPath);
    }

    public int watchedDirectories() {
        return pathKeys.size();
    }

    private void run() {
        while (!closed) {
            WatchKey key;
            try {
                key = service.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            String dirPath = keyPaths.get(key);
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
                    LOG.info("file system events were lost (queue overflow): rescanning the whole source");
                    aggregator.fullRescan();
                    continue;
                }
                if (dirPath == null) {
                    continue;
                }
                String name;
                try {
                    name = SourceScanner.wireName((Path) event.context());
                } catch (CharacterCodingException e) {
                    continue;
                }
                String path = dirPath.isEmpty() ? name : dirPath + "/" + name;
                if (name.equals(IgnoreRules.FILE_NAME) || !ignored.test(path)) {
                    aggregator.pathChanged(path);
                }
                // The folder's own mtime changed, ignored entry or not: it is mirrored.
                if (!dirPath.isEmpty() && event.kind() != StandardWatchEventKinds.ENTRY_MODIFY) {
                    aggregator.pathChanged(dirPath);
                }
            }
            if (!key.reset() && dirPath != null) {
                keyPaths.remove(key);
                keyDirs.remove(key);
                pathKeys.remove(dirPath, key);
                if (dirPath.isEmpty()) {
                    // The root itself is gone or its file system was unmounted: the rescan decides (and guards).
                    aggregator.fullRescan();
                } else {
                    // The folder is gone; one may already stand at its path again (deleted and made again at once,
                    // often with the old inode), with files made before anything watched it: walk what is there.
                    aggregator.subtreeChanged(dirPath);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            service.close();
        } catch (IOException e) {
            LOG.debug("closing the watch service failed", e);
        }
        thread.interrupt();
    }
}
