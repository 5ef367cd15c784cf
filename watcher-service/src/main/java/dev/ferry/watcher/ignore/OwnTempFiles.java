package dev.ferry.watcher.ignore;

import java.util.UUID;

/**
 * The names of the temp files the watcher itself writes into SOURCE ({@code ferry-watcher restore} writes each file
 * as {@code .ferry-restore-XXXXXXXX.tmp} beside its target, then renames it in). They are never synced, whatever
 * the ignore rules say: they are the watcher's work in progress, not the user's files.
 */
public final class OwnTempFiles {
    public static final String RESTORE_PREFIX = ".ferry-restore-";
    public static final String SUFFIX = ".tmp";

    private OwnTempFiles() {
    }

    /** A fresh restore temp name. */
    public static String newRestoreName() {
        return RESTORE_PREFIX + UUID.randomUUID().toString().substring(0, 8) + SUFFIX;
    }

    /** True when the last segment of wire path or file name {@code path} is a restore temp name. */
    public static boolean isOwn(String path) {
        int slash = path.lastIndexOf('/');
        String name = slash < 0 ? path : path.substring(slash + 1);
        return name.startsWith(RESTORE_PREFIX) && name.endsWith(SUFFIX)
                && name.length() > RESTORE_PREFIX.length() + SUFFIX.length();
    }
}
