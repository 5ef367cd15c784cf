package dev.ferry.watcher.scan;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.RelativePaths;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Walks the source without following symlinks and stats each entry once (type, mode, mtime, size, inode).
 * Names that cannot be mirrored (not UTF-8, or breaking {@link RelativePaths}) are skipped with a warning, and
 * so are sockets, FIFOs and devices; entries that vanish mid-walk are simply not reported.
 */
public final class SourceScanner {
    private static final Logger LOG = Logger.getLogger(SourceScanner.class);
    private static final String ATTRIBUTES = "unix:mode,ino,size,lastModifiedTime,ctime";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int MAX_WARNED = 10_000;

    private final Path root;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();

    /** Receives what a walk finds. */
    public interface Visitor {
        /**
         * An entry below the walk's start (and the start itself unless it is the source root). A directory is
         * reported again after it was listed, with a fresh stat: the later report wins.
         */
        void entry(ScannedEntry entry);

        /** Called for each directory (the source root included, as "") just before it is listed. */
        default void beforeListing(String dirPath, Path dir) {
        }

        /**
         * A directory that could not be listed (permission denied, I/O error): what lies below it is unknown, and
         * must not be taken as deleted.
         */
        default void unlisted(String dirPath) {
        }
    }

    /** {@code root} must be absolute and normalized. */
    public SourceScanner(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The file of a wire path. */
    public Path resolve(String path) {
        return path.isEmpty() ? root : FileNames.resolve(root, path);
    }

    /**
     * One entry's stat, or null when it does not exist or is of a kind that is not mirrored.
     *
     * @throws IOException when it exists but cannot be read (for instance permission denied on a parent)
     */
    public ScannedEntry stat(String path) throws IOException {
        Path file = resolve(path);
        try {
            return toEntry(path, file, readAttributes(file));
        } catch (NoSuchFileException | NotDirectoryException e) {
            return null;
        } catch (FileSystemException e) {
            if ("Not a directory".equals(e.getReason())) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Walks the subtree at {@code start} ("" for the whole source), parents before children.
     *
     * @return false when {@code start} itself is missing or not a directory (then only its stat, if any, was
     *         reported)
     */
    public boolean walk(String start, Visitor visitor) {
        Deque<String> pending = new ArrayDeque<>();
        if (start.isEmpty()) {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            pending.push("");
        } else {
            ScannedEntry top;
            try {
                top = stat(start);
            } catch (IOException e) {
                warnOnce(start, "cannot read " + RelativePaths.printable(start) + ": " + describe(e));
                visitor.unlisted(start);
                return false;
            }
            if (top == null) {
                return false;
            }
            visitor.entry(top);
            if (top.type() != EntryType.DIRECTORY) {
                return false;
            }
            pending.push(start);
        }
        while (!pending.isEmpty()) {
            String dirPath = pending.pop();
            Path dir = resolve(dirPath);
            visitor.beforeListing(dirPath, dir);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                for (Path child : children) {
                    ScannedEntry entry = childEntry(dirPath, child);
                    if (entry == null) {
                        continue;
                    }
                    visitor.entry(entry);
                    if (entry.type() == EntryType.DIRECTORY) {
                        pending.push(entry.path());
                    }
                }
            } catch (NoSuchFileException | NotDirectoryException e) {
                LOG.debugf("%s vanished while being listed", RelativePaths.printable(dirPath));
            } catch (IOException | RuntimeException e) {
                warnOnce(dirPath, "cannot list " + (dirPath.isEmpty() ? root.toString() : RelativePaths.printable(dirPath))
                        + ": " + describe(e) + " (its content is left as last seen)");
                visitor.unlisted(dirPath);
            }
            restat(dirPath, visitor);
        }
        return true;
    }

    /**
     * Reports a listed directory's stat once more: an entry created after its first stat but before its watch
     * existed changed its mtime without any event, and only this later look sees it (the watch is in place now).
     */
    private void restat(String dirPath, Visitor visitor) {
        if (dirPath.isEmpty()) {
            return;
        }
        try {
            ScannedEntry again = stat(dirPath);
            if (again != null && again.type() == EntryType.DIRECTORY) {
                visitor.entry(again);
            }
        } catch (IOException e) {
            LOG.debugf("cannot stat %s again: %s", RelativePaths.printable(dirPath), e);
        }
    }

    private ScannedEntry childEntry(String dirPath, Path child) {
        String name;
        try {
            name = wireName(child.getFileName());
        } catch (CharacterCodingException e) {
            warnOnce(child.toString(), "skipping " + child + ": its name is not valid UTF-8");
            return null;
        }
        String path = dirPath.isEmpty() ? name : dirPath + "/" + name;
        String problem = RelativePaths.problem(path);
        if (problem != null) {
            warnOnce(path, "skipping " + RelativePaths.printable(path) + ": " + problem);
            return null;
        }
        try {
            return toEntry(path, child, readAttributes(child));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            warnOnce(path, "skipping " + RelativePaths.printable(path) + ": " + describe(e));
            return null;
        }
    }

    /** The UTF-8 name of one segment; under a UTF-8 locale a name with invalid bytes decodes to U+FFFD, caught here. */
    public static String wireName(Path segment) throws CharacterCodingException {
        String name = FileNames.name(segment);
        if (FileNames.utf8Locale() && name.indexOf('\uFFFD') >= 0 && !Path.of(name).equals(segment)) {
            throw new CharacterCodingException();
        }
        return name;
    }

    private static Map<String, Object> readAttributes(Path file) throws IOException {
        return Files.readAttributes(file, ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
    }

    private ScannedEntry toEntry(String path, Path file, Map<String, Object> attrs) throws IOException {
        int mode = (Integer) attrs.get("mode");
        long inode = ((Number) attrs.get("ino")).longValue();
        long mtime = nanos((FileTime) attrs.get("lastModifiedTime"));
        long ctime = nanos((FileTime) attrs.get("ctime"));
        switch (mode & S_IFMT) {
            case S_IFREG:
                return new ScannedEntry(path, file, EntryType.FILE, mode & 07777, mtime, (Long) attrs.get("size"), inode, ctime, null);
            case S_IFDIR:
                return new ScannedEntry(path, file, EntryType.DIRECTORY, mode & 07777, mtime, 0, inode, ctime, null);
            case S_IFLNK:
                String target = FileNames.linkTarget(Files.readSymbolicLink(file));
                if (target.isEmpty() || target.indexOf('\0') >= 0) {
                    warnOnce(path, "skipping symlink " + RelativePaths.printable(path) + ": empty target");
                    return null;
                }
                return new ScannedEntry(path, file, EntryType.SYMLINK, 0, mtime, 0, inode, ctime, target);
            default:
                LOG.debugf("skipping %s: not a file, directory or symlink", RelativePaths.printable(path));
                return null;
        }
    }

    static long nanos(FileTime time) {
        return time.to(TimeUnit.NANOSECONDS);
    }

    private void warnOnce(String key, String message) {
        if (warned.size() < MAX_WARNED ? warned.add(key) : !warned.contains(key)) {
            LOG.warn(message);
        } else {
            LOG.debug(message);
        }
    }

    /** A short reason for an I/O failure: "permission denied" rather than a class name. */
    public static String describe(Throwable e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }
}
