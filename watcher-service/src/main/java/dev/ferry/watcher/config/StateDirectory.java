package dev.ferry.watcher.config;

import dev.ferry.chunker.ChunkHash;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Chooses the folder of the local state cache (configured, or per source under the XDG state home) and keeps it
 * private: it lists every path, size and mode of the source, so it is 0700 with 0600 files, never a symbolic link
 * and never in a shared folder such as /tmp.
 */
public final class StateDirectory {

    private StateDirectory() {
    }

    /**
     * The state folder for {@code source} (absolute, normalized).
     *
     * @throws IllegalArgumentException when the candidate lies inside the source
     */
    public static Path resolve(Path source, Optional<Path> configured, Map<String, String> env, String userHome) {
        if (configured.isPresent()) {
            Path dir = configured.get().toAbsolutePath().normalize();
            if (dir.startsWith(source)) {
                throw new IllegalArgumentException("state folder " + dir + " (ferry.watcher.state-dir) lies inside the source "
                        + source + "; choose one outside it");
            }
            return dir;
        }
        String name = sourceKey(source);
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(userHome, ".local", "state");
        Path dir = base.resolve("ferry").resolve(name).toAbsolutePath().normalize();
        if (!dir.startsWith(source)) {
            return dir;
        }
        // No fallback to a shared folder: a predictable path under /tmp can be prepared (or read) by any local user.
        throw new IllegalArgumentException("the default state folder " + dir + " lies inside the source " + source
                + "; set ferry.watcher.state-dir (FERRY_WATCHER_STATE_DIR) to a folder outside it");
    }

    /**
     * Creates {@code dir} (0700) or checks the existing one: refuses a symbolic link at its path (the state would be
     * read and written wherever it points) and anything that is not a directory; tightens a looser folder to 0700
     * and the regular files directly in it to at most 0600. Other files there are left alone.
     *
     * @throws IllegalArgumentException with a message for the user when the folder cannot be used
     */
    public static void prepare(Path dir) {
        if (Files.isSymbolicLink(dir)) {
            throw new IllegalArgumentException("the state folder " + dir + " is a symbolic link: refusing to follow it; "
                    + "point ferry.watcher.state-dir (FERRY_WATCHER_STATE_DIR) at a real folder");
        }
        try {
            Path parent = dir.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException("the state folder " + dir + " exists and is not a folder; "
                            + "set ferry.watcher.state-dir (FERRY_WATCHER_STATE_DIR) to a folder");
                }
            }
            try {
                tighten(dir, PRIVATE_DIR);
                try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                    for (Path child : children) {
                        if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS)) {
                            tighten(child, PRIVATE_FILE);
                        }
                    }
                }
            } catch (FileSystemException e) {
                if (!READ_ONLY.equals(e.getReason())) {
                    throw e;
                }
                // Nobody can change a read-only folder: the watcher syncs on and says it cannot save its state.
                LOG.warnf("the state folder %s is on a read-only file system: its modes stay as they are", dir);
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: no modes to set.
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot prepare the state folder " + dir + ": " + e
                    + "; set ferry.watcher.state-dir (FERRY_WATCHER_STATE_DIR) to a folder this user owns");
        }
    }

    private static final Logger LOG = Logger.getLogger(StateDirectory.class);
    private static final String READ_ONLY = "Read-only file system";

    /** rwx for the owner only. */
    public static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");
    /** rw for the owner only. */
    public static final Set<PosixFilePermission> PRIVATE_FILE = PosixFilePermissions.fromString("rw-------");

    /** Removes every permission of {@code path} beyond {@code allowed} (never adds one). */
    private static void tighten(Path path, Set<PosixFilePermission> allowed) throws IOException {
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS);
        if (!allowed.containsAll(now)) {
            Set<PosixFilePermission> kept = java.util.EnumSet.noneOf(PosixFilePermission.class);
            kept.addAll(now);
            kept.retainAll(allowed);
            Files.setPosixFilePermissions(path, kept);
        }
    }

    /** First 16 hex digits of the SHA-256 of the absolute source path's bytes. */
    public static String sourceKey(Path source) {
        byte[] digest = ChunkHash.newDigest().digest(source.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 8);
    }
}
