package dev.ferry.store.storage;

import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * DEST through directory handles, openat-style ({@link SecureDirectoryStream}): a path is walked from DEST one
 * name at a time, each folder opened relative to its parent's handle with {@code O_NOFOLLOW}, and the last step
 * (rename into place, recursive delete, move, a folder's mode) acts relative to the parent's handle. A
 * folder swapped for a link between two steps makes that step fail; it cannot lead a write, delete or move out
 * of DEST. New folders are made in {@code .ferry/tmp} and renamed in, as Java has no {@code mkdirat}.
 */
final class DestTree {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    private final Path root;
    private final Path tmpDir;
    /** Runs between a check and the step that relies on it; tests put a racing swap there. */
    volatile Runnable betweenSteps = () -> { };

    DestTree(Path root, Path tmpDir) {
        this.root = root;
        this.tmpDir = tmpDir;
    }

    /** True where the platform offers directory handles (Linux); elsewhere {@link ByPath} does the same by path. */
    static boolean secure(Path dir) {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return ds instanceof SecureDirectoryStream;
        } catch (IOException e) {
            return false;
        }
    }

    /** An open folder of DEST and one name in it; the handle stays valid whatever happens to the folder's path. */
    final class Entry implements Closeable {
        final SecureDirectoryStream<Path> dir;
        final Path name;
        /** The wire path of the folder ("" for DEST itself). */
        final String dirPath;

        Entry(SecureDirectoryStream<Path> dir, Path name, String dirPath) {
            this.dir = dir;
            this.name = name;
            this.dirPath = dirPath;
        }

        /** The entry's own attributes (a link is not followed), or null when nothing is there. */
        BasicFileAttributes attributes() throws IOException {
            return DestTree.attributes(dir, name);
        }

        /** Gives the owner rwx on the folder that holds this entry; true when it had to. */
        boolean makeWritable() throws IOException {
            return ownerAccess(dir);
        }

        /** Removes the entry, a folder with everything below it; links are removed, never followed. */
        void deleteTree() throws IOException {
            betweenSteps.run();
            deleteEntry(dir, name);
        }

        /**
         * Removes the entry like {@link #deleteTree()}, but keeps every entry below it that {@code rules} ignore
         * ({@code path} is this entry's wire path) and the folders leading to them, as rsync's excluded files keep
         * their folders. True when something was kept (this entry is then a folder still).
         */
        boolean deleteTreeKeeping(String path, IgnoreRules rules) throws IOException {
            betweenSteps.run();
            return deleteEntryKeeping(dir, name, path, rules);
        }

        /**
         * Renames {@code tmp} (a file, link or folder directly in {@code .ferry/tmp}) over this entry; a folder in
         * the way, or anything in the way of a folder, is removed first (rename cannot replace across types).
         */
        void replaceWith(Path tmp) throws IOException {
            BasicFileAttributes there = attributes();
            if (there != null && (there.isDirectory() || StoreLayout.attributes(tmp).isDirectory())) {
                deleteTree();
            }
            try (SecureDirectoryStream<Path> tmpHandle = open(tmpDir)) {
                betweenSteps.run();
                tmpHandle.move(tmp.getFileName(), dir, name);
            }
        }

        /** Renames this entry over {@code target}; a folder there, or anything where a folder goes, is removed first. */
        void moveTo(Entry target) throws IOException {
            BasicFileAttributes there = target.attributes();
            BasicFileAttributes moved = attributes();
            if (there != null && (there.isDirectory() || (moved != null && moved.isDirectory()))) {
                target.deleteTree();
            }
            betweenSteps.run();
            dir.move(name, target.dir, target.name);
        }

        /** Makes an empty folder here (the caller checked nothing is in the way). */
        void createDirectory() throws IOException {
            Path tmp = Files.createDirectory(tmpDir.resolve("dir-" + UUID.randomUUID()));
            try {
                replaceWith(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }

        /**
         * Sets a folder's mode and mtime through its parent's handle, never following a link. Java's handle-based
         * calls stop at the 0777 bits and at microseconds; the nanoseconds and the sticky bit (set-user-ID and
         * set-group-ID are never set, {@link PosixModes#forDirectory}) are then set by {@code byPath}, only while that path still names the same folder (by device
         * and inode): a swap in the instant between that check and the call is the one race left, and it can move
         * no more than those bits or a sub-microsecond time.
         */
        void setDirectoryAttributes(int recordedMode, long mtimeNs, Path byPath) throws IOException {
            int mode = PosixModes.forDirectory(recordedMode);
            betweenSteps.run();
            PosixFileAttributeView view = dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW);
            FileTime time = FileTime.from(mtimeNs, TimeUnit.NANOSECONDS);
            view.setTimes(time, null, null);
            view.setPermissions(PosixModes.toPermissions(mode));
            if (mtimeNs % 1000 == 0 && (mode & 07000) == 0) {
                return;
            }
            Object key = view.readAttributes().fileKey();
            betweenSteps.run();
            BasicFileAttributes there = StoreLayout.attributes(byPath);
            if (key == null || there == null || !key.equals(there.fileKey())) {
                return;
            }
            if ((mode & 07000) != 0) {
                PosixModes.set(byPath, mode);
            }
            Files.getFileAttributeView(byPath, BasicFileAttributeView.class, NOFOLLOW).setTimes(time, null, null);
        }

        @Override
        public void close() throws IOException {
            dir.close();
        }
    }

    /**
     * Opens the folder that holds {@code path} and names the entry in it. With {@code create}, every folder on
     * the way that is missing, a file or a link is replaced by a real folder ({@code created} hears of the folders
     * whose entries changed); without, null when one is not a real folder.
     */
    Entry walk(String path, boolean create, Consumer<String> created) throws IOException {
        List<Path> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String segment : path.split("/")) {
            segments.add(name(segment));
            names.add(segment);
        }
        return walk(segments, names, create, created);
    }

    /** {@link #walk(String, boolean, Consumer)} for a path inside DEST given by its raw names. */
    Entry walk(Path relative, boolean create, Consumer<String> created) throws IOException {
        List<Path> segments = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path segment : relative) {
            segments.add(segment);
            try {
                names.add(FileNames.name(segment));
            } catch (java.nio.charset.CharacterCodingException e) {
                names.add(segment.toString());
            }
        }
        return walk(segments, names, create, created);
    }

    private Entry walk(List<Path> segments, List<String> names, boolean create, Consumer<String> created) throws IOException {
        SecureDirectoryStream<Path> cur = open(root);
        String curPath = "";
        try {
            for (int i = 0; i < segments.size() - 1; i++) {
                Path name = segments.get(i);
                String childPath = curPath.isEmpty() ? names.get(i) : curPath + "/" + names.get(i);
                BasicFileAttributes a = attributes(cur, name);
                if (a == null || !a.isDirectory()) {
                    if (!create) {
                        cur.close();
                        return null;
                    }
                    ownerAccess(cur);
                    Entry e = new Entry(cur, name, curPath);
                    if (a != null) {
                        e.deleteTree();
                    }
                    e.createDirectory();
                    created.accept(curPath);
                }
                betweenSteps.run();
                SecureDirectoryStream<Path> next = cur.newDirectoryStream(name, NOFOLLOW);
                cur.close();
                cur = next;
                curPath = childPath;
            }
            if (create && ownerAccess(cur)) {
                created.accept(curPath);
            }
            return new Entry(cur, segments.get(segments.size() - 1), curPath);
        } catch (IOException | RuntimeException e) {
            cur.close();
            throw e;
        }
    }

    /** The tmp folder's handle, for renames from and to it. */
    SecureDirectoryStream<Path> openTmp() throws IOException {
        return open(tmpDir);
    }

    /** The one-segment path of {@code name}, with its exact bytes whatever the locale. */
    private Path name(String segment) {
        return FileNames.resolve(root, segment).getFileName();
    }

    private static SecureDirectoryStream<Path> open(Path dir) throws IOException {
        DirectoryStream<Path> ds = Files.newDirectoryStream(dir);
        if (ds instanceof SecureDirectoryStream<Path> sds) {
            return sds;
        }
        ds.close();
        return new ByPath(dir);
    }

    static BasicFileAttributes attributes(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        try {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Gives the owner rwx on the open folder itself when it lacks them, so entries can be made in it. */
    private static boolean ownerAccess(SecureDirectoryStream<Path> dir) throws IOException {
        PosixFileAttributeView view = dir.getFileAttributeView(PosixFileAttributeView.class);
        if (view == null) {
            return false;
        }
        int mode = PosixModes.toMode(view.readAttributes().permissions());
        if ((mode & 0700) == 0700) {
            return false;
        }
        view.setPermissions(PosixModes.toPermissions(mode | 0700));
        return true;
    }

    private static void deleteEntry(SecureDirectoryStream<Path> dir, Path name) throws IOException {
        BasicFileAttributes a = attributes(dir, name);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, NOFOLLOW)) {
                ownerAccess(child);
                List<Path> names = new ArrayList<>();
                for (Path p : child) {
                    names.add(p.getFileName());
                }
                for (Path n : names) {
                    deleteEntry(child, n);
                }
            }
            try {
                dir.deleteDirectory(name);
            } catch (NoSuchFileException e) {
                // gone already
            }
        } else {
            try {
                dir.deleteFile(name);
            } catch (NoSuchFileException e) {
                // gone already
            }
        }
    }

    private static boolean deleteEntryKeeping(SecureDirectoryStream<Path> dir, Path name, String path, IgnoreRules rules)
            throws IOException {
        BasicFileAttributes a = attributes(dir, name);
        if (a == null || !a.isDirectory()) {
            deleteEntry(dir, name);
            return false;
        }
        boolean kept = false;
        try (SecureDirectoryStream<Path> child = dir.newDirectoryStream(name, NOFOLLOW)) {
            ownerAccess(child);
            List<Path> names = new ArrayList<>();
            for (Path p : child) {
                names.add(p.getFileName());
            }
            for (Path n : names) {
                String childPath = wirePath(path, n);
                BasicFileAttributes ca = attributes(child, n);
                if (ca == null) {
                    continue;
                }
                if (childPath == null) {
                    deleteEntry(child, n); // not a name the mirror can hold: no rule names it
                } else if (rules.ignored(childPath, ca.isDirectory())) {
                    kept = true;
                } else {
                    kept |= deleteEntryKeeping(child, n, childPath, rules);
                }
            }
        }
        if (!kept) {
            try {
                dir.deleteDirectory(name);
            } catch (NoSuchFileException e) {
                // gone already
            }
        }
        return kept;
    }

    /** The wire path of {@code name} in the folder {@code dirPath}, or null when it cannot be one. */
    private static String wirePath(String dirPath, Path name) {
        try {
            String p = dirPath + "/" + FileNames.name(name);
            return RelativePaths.isValid(p) ? p : null;
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    /**
     * The same operations by path, for platforms without directory handles (the JDK on macOS): each checks the
     * entry with lstat first, so links are never followed at the last step, but a folder swapped for a link in
     * between is not caught. Linux always gets real handles.
     */
    private static final class ByPath implements SecureDirectoryStream<Path> {
        private final Path dir;
        private DirectoryStream<Path> listing;

        ByPath(Path dir) {
            this.dir = dir;
        }

        @Override
        public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options) throws IOException {
            Path child = dir.resolve(path);
            BasicFileAttributes a = Files.readAttributes(child, BasicFileAttributes.class, NOFOLLOW);
            if (!a.isDirectory()) {
                throw new java.nio.file.NotDirectoryException(child.toString());
            }
            return new ByPath(child);
        }

        @Override
        public java.nio.channels.SeekableByteChannel newByteChannel(Path path, java.util.Set<? extends java.nio.file.OpenOption> options,
                                                                    java.nio.file.attribute.FileAttribute<?>... attrs) throws IOException {
            return Files.newByteChannel(dir.resolve(path), options, attrs);
        }

        @Override
        public void deleteFile(Path path) throws IOException {
            Files.delete(dir.resolve(path));
        }

        @Override
        public void deleteDirectory(Path path) throws IOException {
            Files.delete(dir.resolve(path));
        }

        @Override
        public void move(Path srcpath, SecureDirectoryStream<Path> targetdir, Path targetpath) throws IOException {
            Files.move(dir.resolve(srcpath), ((ByPath) targetdir).dir.resolve(targetpath),
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }

        @Override
        public <V extends java.nio.file.attribute.FileAttributeView> V getFileAttributeView(Class<V> type) {
            return Files.getFileAttributeView(dir, type, NOFOLLOW);
        }

        @Override
        public <V extends java.nio.file.attribute.FileAttributeView> V getFileAttributeView(Path path, Class<V> type,
                                                                                            LinkOption... options) {
            return Files.getFileAttributeView(dir.resolve(path), type, NOFOLLOW);
        }

        @Override
        public java.util.Iterator<Path> iterator() {
            try {
                listing = Files.newDirectoryStream(dir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return listing.iterator();
        }

        @Override
        public void close() throws IOException {
            if (listing != null) {
                listing.close();
            }
        }
    }
}
