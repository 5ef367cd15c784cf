package dev.ferry.watcher.sync;

import java.nio.file.Path;

/**
 * The directories the file system watcher watches, as the change detector finds them. Implemented above this package
 * by {@code watch.DirectoryWatcher}; {@link #NONE} in {@code --once} mode, which watches nothing.
 */
public interface WatchedTree {

    WatchedTree NONE = new WatchedTree() {
        public void register(String dirPath, Path dir) {
        }

        public void moved(String from, String to) {
        }

        public void forget(String path) {
        }

        public void unwatch(String path) {
        }
    };

    /** Watches the directory {@code dirPath} ("" for the source root). */
    void register(String dirPath, Path dir);

    /** The directory {@code from} is now {@code to}: its watches follow it. */
    void moved(String from, String to);

    /** The entry at {@code path} and everything below it are gone. */
    void forget(String path);

    /** The ignore rules now leave out {@code path} and everything below it, though it is still there. */
    void unwatch(String path);
}
