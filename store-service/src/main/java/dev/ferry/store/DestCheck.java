package dev.ferry.store;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Creates DEST when missing and checks that the store can write there, before Quarkus boots: a DEST the store
 * cannot use is one line naming the path and the reason, not a stack trace from deep inside the start-up.
 */
final class DestCheck {
    private DestCheck() {
    }

    /** Null when DEST (and DEST/.ferry, if present) is a writable directory; else the sentence saying why not. */
    static String problem(Path dest) {
        try {
            Files.createDirectories(dest);
        } catch (IOException e) {
            return "cannot create DEST " + dest + ": " + reason(e, dest);
        }
        if (!Files.isDirectory(dest)) {
            return "DEST is not a directory: " + dest;
        }
        // access(2): false for a folder the user may not write, and for a read-only file system even as root.
        if (!Files.isWritable(dest)) {
            return "DEST is not writable: " + dest + " (no write permission for this user, or a read-only file system)";
        }
        Path state = dest.resolve(".ferry");
        if (Files.exists(state, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS)) {
                return "the store's state folder " + state + " exists but is not a directory";
            }
            if (!Files.isWritable(state)) {
                return "the store's state folder is not writable: " + state
                        + " (no write permission for this user, or a read-only file system)";
            }
        }
        return null;
    }

    private static String reason(IOException e, Path dest) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + (a.getFile() != null ? " on " + a.getFile() : "");
        }
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a directory";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            boolean other = f.getFile() != null && !f.getFile().equals(dest.toString());
            return f.getReason() + (other ? " (" + f.getFile() + ")" : "");
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
