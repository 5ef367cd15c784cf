package dev.ferry.watcher.ignore;

/** TEMPORARY until IgnoreSet's limits land. */
final class IgnoreLimits {
    static final int MAX_TEXT_BYTES = 64 * 1024;
    static final int MAX_FILES = 10_000;
}
