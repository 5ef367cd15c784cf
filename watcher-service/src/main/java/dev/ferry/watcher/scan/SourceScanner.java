package dev.ferry.watcher.scan;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Walks the source through folder handles without following symlinks (see {@link DirectoryHandle}) and stats each
 * entry (type, mode, mtime, size, inode). Names that cannot be mirrored (not UTF-8, or breaking
 * {@link RelativePaths}) are skipped with a warning, and so are sockets, FIFOs and devices; entries that vanish
 * mid-walk are simply not reported, and entries that cannot be looked at are reported as unknown.
 */
public final class SourceScanner {
    private static final Logger LOG = Logger.getLogger(SourceScanner.class);
    private static final String ATTRIBUTES = "unix:mode,ino,size,lastModifiedTime,ctime,fileKey";
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int MAX_WARNED = 10_000;
    /** An ignore file is read up to this (past it the rules refuse it anyway, with the limit named). */
    private static final int IGNORE_FILE_READ_CAP = 4 * 1024 * 1024;

    private final Path root;
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    /** Runs between a look at a file and the open that relies on it; tests put a racing swap there. */
    private volatile Consumer<String> betweenSteps = path -> { };
    /** Fails a stat as a failing disk would (EIO, ESTALE); tests set it, as those cannot be made on demand. */
    private volatile Function<String, IOException> statFaults = path -> null;

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
         * Every entry of {@code dirPath} that is still there has been reported (each of its folders is walked
         * after this): a name the directory held before and that was not reported now is gone. Not called for a
         * directory reported as {@link #unlisted}; called too when it vanished before or while it was listed.
         */
        default void listed(String dirPath) {
        }

        /**
         * A directory that could not be listed (permission denied, I/O error): what lies below it is unknown, and
         * must not be taken as deleted.
         */
        default void unlisted(String dirPath) {
        }

        /**
         * An entry that exists but could not be stat'ed (permission denied on its folder, I/O error, stale handle):
         * what it is, and what lies below it, is unknown, and must not be taken as deleted.
         */
        default void unknown(String path) {
        }

        /**
         * True when each listed folder's ignore file ({@code .ferryignore}) is read and reported through
         * {@link #ignoreFile} before the folder's entries are judged by {@link #ignored}.
         */
        default boolean readsIgnoreFiles() {
            return false;
        }

        /**
         * The ignore file of {@code dirPath} holds {@code text} (null: there is none, or it is not a regular file).
         * Returns null when the rules take it, else why not: then the folder counts as not listed.
         */
        default String ignoreFile(String dirPath, String text) {
            return null;
        }

        /**
         * The ignore file of {@code dirPath} cannot be read (or the rules cannot take it): what lies below the
         * folder is unknown, and the folder is reported as {@link #unlisted} too.
         */
        default void ignoreFileUnreadable(String dirPath, String reason) {
        }

        /** True when the entry is ignored: it is not reported, and a folder is not listed or watched. */
        default boolean ignored(String path, boolean directory) {
            return false;
        }
    }

    /** {@code root} must be absolute and normalized. */
    public SourceScanner(Path root) {
        this.root = root;
    }

    /** For tests: runs {@code hook} (with the wire path) between a look at a file and its open. */
    public void betweenSteps(Consumer<String> hook) {
        this.betweenSteps = hook;
    }

    /** For tests: a stat of the wire paths {@code faults} answers for fails with that exception. */
    public void statFaults(Function<String, IOException> faults) {
        this.statFaults = faults;
    }

    public Path root() {
        return root;
    }

    /** The file of a wire path. */
    public Path resolve(String path) {
        return path.isEmpty() ? root : FileNames.resolve(root, path);
    }

    /**
     * One entry's stat, or null when it does not exist, a folder on its way is missing, a file or a link (nothing
     * below a link is in the tree), or it is of a kind that is not mirrored. Looked at through folder handles from
     * the root, never following a link.
     *
     * @throws IOException when it exists but cannot be read (for instance permission denied on a parent)
     */
    public ScannedEntry stat(String path) throws IOException {
        if (path.isEmpty()) {
            return toEntry(path, root, readAttributes(root));
        }
        try (DirectoryHandle parent = openParent(path)) {
            if (parent == null) {
                return null;
            }
            Looked looked = look(parent, lastName(path), path);
            return looked == null ? null : looked.entry;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /**
     * Opens the file at {@code path} for reading through folder handles from the root, never following a link,
     * and only while it is still the file a scan saw (inode {@code inode}; -1 takes whatever file is there).
     *
     * @throws NoSuchFileException when it is gone, replaced, or a folder on its way is no longer a folder
     */
    public SeekableByteChannel open(String path, long inode) throws IOException {
        betweenSteps.accept(path);
        try (DirectoryHandle parent = openParent(path)) {
            if (parent == null) {
                throw new NoSuchFileException(path, null, "a folder on its way is gone or replaced");
            }
            Path name = lastName(path);
            Object key = parent.key(name);
            if (inode >= 0) {
                Map<String, Object> attrs = Files.readAttributes(parent.path.resolve(name), "unix:ino,fileKey",
                        LinkOption.NOFOLLOW_LINKS);
                if (!key.equals(attrs.get("fileKey")) || ((Number) attrs.get("ino")).longValue() != inode) {
                    throw new NoSuchFileException(path, null, "replaced since it was scanned");
                }
            }
            betweenSteps.accept(path);
            SeekableByteChannel channel = parent.openFile(name);
            if (!key.equals(parent.key(name))) {
                channel.close();
                throw new NoSuchFileException(path, null, "replaced while it was opened");
            }
            return channel;
        }
    }

    /**
     * Walks the subtree at {@code start} ("" for the whole source), parents before children. Each folder is opened
     * relative to its parent's handle without following a link, and only while it is still the folder its stat
     * saw; each entry is stat'ed relative to its folder's handle. What cannot be looked at is reported as
     * {@link Visitor#unknown} or {@link Visitor#unlisted}, never left out as if it were gone.
     *
     * @return false when {@code start} itself is missing or not a directory (then only its stat, if any, was
     *         reported)
     */
    public boolean walk(String start, Visitor visitor) {
        if (start.isEmpty()) {
            if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            visitor.beforeListing("", root);
            DirectoryHandle dir;
            try {
                dir = DirectoryHandle.open(root);
            } catch (IOException e) {
                cannotList("", e, visitor);
                return true;
            }
            try (dir) {
                listAndDescend(dir, "", visitor);
            } catch (IOException e) {
                LOG.debug("closing a folder handle failed", e);
            }
            return true;
        }
        try (DirectoryHandle parent = openParent(start)) {
            if (parent == null) {
                return false;
            }
            Looked top = look(parent, lastName(start), start);
            if (top == null || visitor.ignored(start, top.entry.type() == EntryType.DIRECTORY)) {
                return false;
            }
            visitor.entry(top.entry);
            if (top.entry.type() != EntryType.DIRECTORY) {
                return false;
            }
            descend(parent, top, visitor);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException | RuntimeException e) {
            warnOnce(start, "cannot read " + RelativePaths.printable(start) + ": " + describe(e)
                    + " (it is left as last seen)");
            visitor.unknown(start);
            return false;
        }
    }

    /** Opens the folder {@code dir} (a child of {@code parent}), lists it, and walks each folder in it. */
    private void descend(DirectoryHandle parent, Looked dir, Visitor visitor) {
        String dirPath = dir.entry.path();
        visitor.beforeListing(dirPath, dir.entry.file());
        DirectoryHandle handle;
        try {
            handle = parent.openDirectory(dir.name);
        } catch (NoSuchFileException e) {
            LOG.debugf("%s vanished before it was listed", RelativePaths.printable(dirPath));
            visitor.listed(dirPath);
            return;
        } catch (IOException | RuntimeException e) {
            cannotList(dirPath, e, visitor);
            return;
        }
        try (handle) {
            if (!dir.key.equals(handle.key())) {
                cannotList(dirPath, new FileSystemException(dirPath, null, "replaced while it was listed"), visitor);
                return;
            }
            List<Looked> folders = listAndDescendLater(handle, dirPath, visitor);
            restat(parent, dir, visitor);
            for (Looked sub : folders) {
                descend(handle, sub, visitor);
            }
        } catch (IOException e) {
            cannotList(dirPath, e, visitor);
        }
    }

    private void listAndDescend(DirectoryHandle dir, String dirPath, Visitor visitor) {
        for (Looked sub : listAndDescendLater(dir, dirPath, visitor)) {
            descend(dir, sub, visitor);
        }
    }

    /** Reports every entry of the open folder {@code dir}; returns its folders, to be walked next. */
    private List<Looked> listAndDescendLater(DirectoryHandle dir, String dirPath, Visitor visitor) {
        List<Looked> folders = new ArrayList<>();
        try {
            Iterable<Path> children = dir.list();
            if (visitor.readsIgnoreFiles()) {
                List<Path> all = new ArrayList<>();
                children.forEach(all::add);
                children = all;
                if (!readIgnoreFile(dir, dirPath, all, visitor)) {
                    return folders;
                }
            }
            for (Path child : children) {
                Looked looked = childEntry(dir, dirPath, child.getFileName(), visitor);
                if (looked == null || visitor.ignored(looked.entry.path(), looked.entry.type() == EntryType.DIRECTORY)) {
                    continue;
                }
                visitor.entry(looked.entry);
                if (looked.entry.type() == EntryType.DIRECTORY) {
                    folders.add(looked);
                }
            }
            visitor.listed(dirPath);
        } catch (IOException | RuntimeException e) {
            Throwable cause = e instanceof DirectoryIteratorException d ? d.getCause() : e;
            if (cause instanceof NoSuchFileException || cause instanceof NotDirectoryException) {
                LOG.debugf("%s vanished while being listed", RelativePaths.printable(dirPath));
                visitor.listed(dirPath);
            } else {
                cannotList(dirPath, cause, visitor);
            }
        }
        return folders;
    }

    /**
     * Reads the ignore file among {@code children} of the open folder {@code dir} and reports it; false when it
     * cannot be read or taken, and then the folder is reported as not listed (its rules, and so what lies below it,
     * are unknown). A link named so is no ignore file (git does not follow one either).
     */
    private boolean readIgnoreFile(DirectoryHandle dir, String dirPath, List<Path> children, Visitor visitor) {
        Path name = null;
        for (Path child : children) {
            if (IgnoreRules.FILE_NAME.equals(child.getFileName().toString())) {
                name = child.getFileName();
                break;
            }
        }
        String path = dirPath.isEmpty() ? IgnoreRules.FILE_NAME : dirPath + "/" + IgnoreRules.FILE_NAME;
        String problem;
        try {
            Looked looked = name == null ? null : look(dir, name, path);
            problem = visitor.ignoreFile(dirPath, looked == null || looked.entry.type() != EntryType.FILE ? null
                    : readText(dir, name, looked.entry.size()));
        } catch (NoSuchFileException e) {
            problem = visitor.ignoreFile(dirPath, null);
        } catch (IOException | RuntimeException e) {
            problem = "cannot read it: " + describe(e);
        }
        if (problem == null) {
            return true;
        }
        visitor.ignoreFileUnreadable(dirPath, problem);
        visitor.unlisted(dirPath);
        return false;
    }

    /** The text of a small file (UTF-8; a bad byte reads as U+FFFD), at most one byte past the rules' limit. */
    private static String readText(DirectoryHandle dir, Path name, long size) throws IOException {
        int cap = (int) Math.min(size, IGNORE_FILE_READ_CAP) + 1;
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(cap);
        try (SeekableByteChannel channel = dir.openFile(name)) {
            while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
                // reads until full or at the end
            }
        }
        buffer.flip();
        return StandardCharsets.UTF_8.decode(buffer).toString();
    }

    private void cannotList(String dirPath, Throwable e, Visitor visitor) {
        warnOnce(dirPath, "cannot list " + (dirPath.isEmpty() ? root.toString() : RelativePaths.printable(dirPath))
                + ": " + describe(e) + " (its content is left as last seen)");
        visitor.unlisted(dirPath);
    }

    /**
     * Reports a listed directory's stat once more: an entry created after its first stat but before its watch
     * existed changed its mtime without any event, and only this later look sees it (the watch is in place now).
     */
    private void restat(DirectoryHandle parent, Looked dir, Visitor visitor) {
        try {
            Looked again = look(parent, dir.name, dir.entry.path());
            if (again != null && again.entry.type() == EntryType.DIRECTORY && again.key.equals(dir.key)) {
                visitor.entry(again.entry);
            }
        } catch (IOException e) {
            LOG.debugf("cannot stat %s again: %s", RelativePaths.printable(dir.entry.path()), e);
        }
    }

    private Looked childEntry(DirectoryHandle dir, String dirPath, Path name, Visitor visitor) {
        String wire;
        try {
            wire = wireName(name);
        } catch (CharacterCodingException e) {
            warnOnce(dir.path.resolve(name).toString(), "skipping " + dir.path.resolve(name) + ": its name is not valid UTF-8");
            return null;
        }
        String path = dirPath.isEmpty() ? wire : dirPath + "/" + wire;
        String problem = RelativePaths.problem(path);
        if (problem != null) {
            warnOnce(path, "skipping " + RelativePaths.printable(path) + ": " + problem);
            return null;
        }
        try {
            return look(dir, name, path);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            warnOnce(path, "cannot stat " + RelativePaths.printable(path) + ": " + describe(e)
                    + " (it is left as last seen)");
            visitor.unknown(path);
            return null;
        }
    }

    /** An entry's stat with the identity of what was stat'ed, and its name in its folder. */
    private record Looked(ScannedEntry entry, Object key, Path name) {
    }

    /**
     * Stats {@code name} in the open folder {@code dir}: relative to the handle for its identity (so it is the
     * entry inside SOURCE), and by path for the full mode and inode, which Java's handle-based views do not give;
     * the two must agree on the identity, else the path led elsewhere (a folder on the way was swapped) or the
     * entry was replaced in between, and it is looked at once more, then reported as unknown.
     *
     * @return null when it is gone or of a kind that is not mirrored
     * @throws NoSuchFileException when it is gone
     */
    private Looked look(DirectoryHandle dir, Path name, String path) throws IOException {
        Path file = dir.path.resolve(name);
        for (int attempt = 0; ; attempt++) {
            IOException fault = statFaults.apply(path);
            if (fault != null) {
                throw fault;
            }
            Object key = dir.key(name);
            Map<String, Object> attrs;
            try {
                attrs = readAttributes(file);
            } catch (NoSuchFileException | NotDirectoryException e) {
                attrs = null;
            } catch (FileSystemException e) {
                if (!"Not a directory".equals(e.getReason())) {
                    throw e;
                }
                attrs = null;
            }
            if (attrs != null && key.equals(attrs.get("fileKey"))) {
                ScannedEntry entry = toEntry(path, file, attrs);
                // Java has no readlinkat: the target was read by path, so the path must still name the same link.
                if (entry == null || entry.type() != EntryType.SYMLINK || key.equals(pathKey(file))) {
                    return entry == null ? null : new Looked(entry, key, name);
                }
            }
            if (attempt > 0) {
                throw new FileSystemException(path, null, "it changed while it was looked at");
            }
        }
    }

    private static Object pathKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * A fresh handle of the source root. Never kept open between looks: an open descriptor on a mounted source would
     * make its unmount fail ("target is busy").
     */
    private DirectoryHandle rootHandle() throws IOException {
        return DirectoryHandle.open(root);
    }

    private DirectoryHandle openParent(String path) throws IOException {
        Path relative = root.relativize(resolve(path));
        DirectoryHandle cur = rootHandle();
        try {
            for (int i = 0; i < relative.getNameCount() - 1; i++) {
                Path name = relative.getName(i);
                DirectoryHandle next;
                try {
                    next = cur.openDirectory(name);
                } catch (IOException e) {
                    if (!cur.isDirectory(name)) {
                        cur.close();
                        return null;
                    }
                    throw e;
                }
                cur.close();
                cur = next;
            }
            return cur;
        } catch (IOException | RuntimeException e) {
            cur.close();
            throw e;
        }
    }

    private Path lastName(String path) {
        return resolve(path).getFileName();
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
                // No Path kept for a file: a full scan holds one entry per file until it is planned (heap per file).
                return new ScannedEntry(path, null, EntryType.FILE, mode & 07777, mtime, (Long) attrs.get("size"), inode, ctime, null);
            case S_IFDIR:
                return new ScannedEntry(path, file, EntryType.DIRECTORY, mode & 07777, mtime, 0, inode, ctime, null);
            case S_IFLNK:
                String target = FileNames.linkTarget(Files.readSymbolicLink(file));
                if (target.isEmpty() || target.indexOf('\0') >= 0) {
                    warnOnce(path, "skipping symlink " + RelativePaths.printable(path) + ": empty target");
                    return null;
                }
                return new ScannedEntry(path, null, EntryType.SYMLINK, 0, mtime, 0, inode, ctime, target);
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
