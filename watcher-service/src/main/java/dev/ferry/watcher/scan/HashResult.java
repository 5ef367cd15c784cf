package dev.ferry.watcher.scan;

import dev.ferry.protocol.Manifest;

/** What hashing one file gave. */
public sealed interface HashResult {

    /** The file's manifest, and its stat as it was (unchanged) around the hashing. */
    record Hashed(Manifest manifest, ScannedEntry stat) implements HashResult {
    }

    /** The file changed while it was read (size, mtime or inode moved): try again once it is quiet. */
    record Unstable() implements HashResult {
    }

    /** The file is gone (or no longer a regular file). */
    record Vanished() implements HashResult {
    }

    /** The file cannot be read; {@code reason} says why (for instance "permission denied"). */
    record Unreadable(String reason) implements HashResult {
    }
}
