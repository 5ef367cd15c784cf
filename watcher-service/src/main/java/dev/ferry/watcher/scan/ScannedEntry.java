package dev.ferry.watcher.scan;

import dev.ferry.protocol.EntryType;

import java.nio.file.Path;

/**
 * One entry of the source as a scan saw it (from lstat: symlinks are never followed).
 *
 * @param path    wire path, relative to the source
 * @param file    a directory on disk (to watch and list it); null for files and symlinks, which are opened by
 *                their path (a full scan holds every entry at once: no Path each)
 * @param type    file, directory or symlink
 * @param mode    permission bits (mode &amp; 07777); 0 for symlinks
 * @param mtimeNs modification time, nanoseconds since the epoch
 * @param size    size in bytes; 0 for directories and symlinks
 * @param inode   inode number, so renames can be recognised
 * @param ctimeNs status change time, nanoseconds since the epoch
 * @param target  a symlink's target (verbatim), else null
 */
public record ScannedEntry(String path, Path file, EntryType type, int mode, long mtimeNs, long size, long inode,
                           long ctimeNs, String target) {

    /** True when a file's content could differ from one with this other stat (size, mtime or inode differ). */
    public boolean sameStat(long otherInode, long otherSize, long otherMtimeNs) {
        return inode == otherInode && size == otherSize && mtimeNs == otherMtimeNs;
    }
}
