package dev.ferry.store.storage;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Keeps what a change to DEST is about to replace or remove, before the {@link Materializer} does it: each mirror
 * file is hard-linked into {@code .ferry/versions/<number>} (no byte copied; the rename or delete that follows leaves
 * the old inode to the version), then its record goes into {@link VersionHistory} (committed with the index). A crash
 * between the two leaves a file with no record, deleted at the next start. Apply thread only.
 */
final class VersionKeeper {
    private static final Logger LOG = Logger.getLogger(VersionKeeper.class);

    private final Path root;
    private final Path dir;
    private final MirrorIndex index;

    VersionKeeper(Path root, Path dir, MirrorIndex index) {
        this.root = root;
        this.dir = dir;
        this.index = index;
    }

    /**
     * Before {@code m} replaces the entry at its path: keeps that entry when its content differs (a file's chunks, a
     * link's target, a change of type, a folder's mode or mtime), and everything below a folder replaced by a
     * non-folder.
     *
     * @return the mark to {@link #undo} when the change then fails, or -1 when nothing was kept
     */
    long replacing(Manifest m) throws IOException {
        VersionHistory h = index.versions();
        if (!h.enabled()) {
            return -1;
        }
        Manifest old = index.get(m.path());
        if (old == null || MirrorIndex.sameVersion(old, m)) {
            return -1;
        }
        long mark = h.nextNumber();
        long now = h.now();
        keep(old, VersionHistory.Reason.MODIFIED, now);
        if (old.type() == EntryType.DIRECTORY && m.type() != EntryType.DIRECTORY) {
            for (Manifest below : index.below(m.path())) {
                keep(below, VersionHistory.Reason.DELETED, now);
            }
        }
        return mark;
    }

    /**
     * Before {@code path} and everything below it are removed or moved away: keeps each entry the index has there,
     * except those under {@code except} (null: none), which another call keeps.
     */
    long removing(String path, VersionHistory.Reason reason, String except) throws IOException {
        VersionHistory h = index.versions();
        if (!h.enabled()) {
            return -1;
        }
        Manifest old = index.get(path);
        if (old == null && !index.hasBelow(path)) {
            return -1;
        }
        long mark = h.nextNumber();
        long now = h.now();
        if (old != null) {
            keep(old, reason, now);
        }
        for (Manifest below : index.below(path)) {
            if (except == null || !(below.path().equals(except) || RelativePaths.isUnder(below.path(), except))) {
                keep(below, reason, now);
            }
        }
        return mark;
    }

    /** Forgets the versions kept since {@code mark} (the change they were kept for failed) and deletes their files. */
    void undo(long mark) {
        if (mark < 0) {
            return;
        }
        VersionHistory h = index.versions();
        var it = h.numbersFrom(mark);
        while (it.hasNext()) {
            long n = it.next();
            if (h.drop(n) != null) {
                deleteFile(n);
            }
        }
    }

    private void keep(Manifest old, VersionHistory.Reason reason, long now) throws IOException {
        VersionHistory h = index.versions();
        long n = h.nextNumber();
        if (old.type() == EntryType.FILE) {
            if (index.damaged(old.path()) || !link(old, n)) {
                return; // DEST does not hold its bytes (or cannot link them): nothing to keep
            }
        }
        h.record(n, old.path(), old, reason, h.since(old.path()), now);
    }

    /** Hard-links the mirror file of {@code m} as version {@code n}; false when it cannot (not kept then). */
    private boolean link(Manifest m, long n) throws IOException {
        Path file = dir.resolve(VersionHistory.hex(n));
        try {
            if (Files.notExists(dir)) {
                Files.createDirectories(dir);
                PosixModes.set(dir, 0700);
            }
            // link(2): a link at the name is not followed. A full or read-only disk, another file system mounted
            // inside DEST, or none without hard links: the version is not kept, the change itself goes on.
            Files.createLink(file, FileNames.resolve(root, m.path()));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            LOG.debugf("Cannot keep a version of %s (%s): not kept", RelativePaths.printable(m.path()), e.toString());
            return false;
        }
        BasicFileAttributes a = StoreLayout.attributes(file);
        if (a == null || !a.isRegularFile() || a.size() != m.size()) {
            Files.deleteIfExists(file);
            return false;
        }
        return true;
    }

    void deleteFile(long n) {
        try {
            Files.deleteIfExists(dir.resolve(VersionHistory.hex(n)));
        } catch (IOException e) {
            // A file with no record is deleted at the next start.
        }
    }

    Path dir() {
        return dir;
    }
}
