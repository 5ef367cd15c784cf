package dev.ferry.store.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Permission bits as numbers (0777 plus setuid/setgid/sticky where the platform allows them). */
public final class PosixModes {
    private static final PosixFilePermission[] ORDER = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };

    private PosixModes() {
    }

    public static int toMode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int bit = 0; bit < ORDER.length; bit++) {
            if (perms.contains(ORDER[bit])) {
                mode |= 1 << bit;
            }
        }
        return mode;
    }

    public static Set<PosixFilePermission> toPermissions(int mode) {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int bit = 0; bit < ORDER.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                perms.add(ORDER[bit]);
            }
        }
        return perms;
    }

    /**
     * The bits a materialized file gets: 0777 only. Set-user-ID and set-group-ID would make a mirrored program run
     * as the store's user (or group) for whoever can run it; the sticky bit means nothing on a file.
     */
    public static int forFile(int mode) {
        return mode & 0777;
    }

    /**
     * The bits a materialized folder gets: 0777 and sticky (it only limits who may delete entries). Set-group-ID is
     * dropped (new entries would take the store user's group) and set-user-ID means nothing on a folder.
     */
    public static int forDirectory(int mode) {
        return mode & 01777;
    }

    /** Sets {@code mode} on a file or directory (never a link): all 07777 bits where "unix:mode" exists. */
    public static void set(Path p, int mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
                view.setPermissions(toPermissions(mode));
            }
        }
    }

    /** The 0777 bits of a file or directory, or -1 where the platform has no POSIX permissions. */
    public static int read(Path p) throws IOException {
        try {
            return toMode(Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions());
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Gives the owner rwx on a real directory that lacks them, so its entries can be listed and changed. */
    public static boolean ensureOwnerAccess(Path dir) throws IOException {
        int mode = read(dir);
        if (mode < 0 || (mode & 0700) == 0700) {
            return false;
        }
        set(dir, mode | 0700);
        return true;
    }
}
