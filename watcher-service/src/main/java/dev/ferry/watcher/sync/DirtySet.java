package dev.ferry.watcher.sync;

import java.util.Set;

/**
 * The paths one flush must look at again.
 *
 * @param paths    re-stat each one (a directory found new or replaced is walked with everything below it)
 * @param subtrees walk each one with everything below it
 * @param full     walk the whole source
 */
public record DirtySet(Set<String> paths, Set<String> subtrees, boolean full) {

    public static DirtySet everything() {
        return new DirtySet(Set.of(), Set.of(), true);
    }

    public boolean isEmpty() {
        return paths.isEmpty() && subtrees.isEmpty() && !full;
    }
}
