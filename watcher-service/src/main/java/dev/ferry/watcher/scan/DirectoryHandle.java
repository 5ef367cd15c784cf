package dev.ferry.watcher.scan;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;

/**
 * An open folder of SOURCE, openat-style: its entries are listed, stat'ed and opened relative to it, and a link is
 * never followed, so a folder swapped for a link after it was opened cannot lead a read out of SOURCE. On Linux
 * this is a {@link SecureDirectoryStream} (a directory file descriptor); where the JDK has none (macOS) the same
 * steps run by path with {@code NOFOLLOW} on the last name only. Not thread-safe; {@link #list} once at most.
 */
abstract class DirectoryHandle implements Closeable {
    private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

    /** The folder's path as it was opened: entries' paths are resolved against it (for messages and the watch). */
    final Path path;

    private DirectoryHandle(Path path) {
        this.path = path;
    }

    /** Opens {@code dir} (following a link there: the source root itself may be one). */
    static DirectoryHandle open(Path dir) throws IOException {
        DirectoryStream<Path> ds = Files.newDirectoryStream(dir);
        if (ds instanceof SecureDirectoryStream<Path> sds) {
            return new Secure(dir, sds);
        }
        ds.close();
        if (!Files.isDirectory(dir)) {
            throw new NotDirectoryException(dir.toString());
        }
        return new ByPath(dir);
    }

    /** Opens the folder {@code name} in this one; fails when it is a link or not a folder. */
    abstract DirectoryHandle openDirectory(Path name) throws IOException;

    /** The entries' paths ({@link Path#getFileName()} is each one's name). */
    abstract Iterable<Path> list() throws IOException;

    /** The identity (device and inode) of {@code name} itself, a link not followed. */
    abstract Object key(Path name) throws IOException;

    /** The identity of this open folder (for a handle: of what it holds, whatever its path names now). */
    abstract Object key() throws IOException;

    /** Opens the file {@code name} for reading; fails when it is a link. */
    abstract SeekableByteChannel openFile(Path name) throws IOException;

    /** True when {@code name} is a folder (not a link to one); false when it is missing or something else. */
    boolean isDirectory(Path name) throws IOException {
        try {
            return attributes(name).isDirectory();
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    abstract BasicFileAttributes attributes(Path name) throws IOException;

    private static final class Secure extends DirectoryHandle {
        private final SecureDirectoryStream<Path> dir;

        Secure(Path path, SecureDirectoryStream<Path> dir) {
            super(path);
            this.dir = dir;
        }

        @Override
        DirectoryHandle openDirectory(Path name) throws IOException {
            return new Secure(path.resolve(name), dir.newDirectoryStream(name, NOFOLLOW));
        }

        @Override
        Iterable<Path> list() {
            return dir;
        }

        @Override
        Object key(Path name) throws IOException {
            return attributes(name).fileKey();
        }

        @Override
        BasicFileAttributes attributes(Path name) throws IOException {
            return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
        }

        @Override
        Object key() throws IOException {
            return dir.getFileAttributeView(BasicFileAttributeView.class).readAttributes().fileKey();
        }

        @Override
        SeekableByteChannel openFile(Path name) throws IOException {
            return dir.newByteChannel(name, Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
        }

        @Override
        public void close() throws IOException {
            dir.close();
        }
    }

    /** By path, for platforms without directory handles: each step checks the name with lstat first. */
    private static final class ByPath extends DirectoryHandle {
        ByPath(Path path) {
            super(path);
        }

        @Override
        DirectoryHandle openDirectory(Path name) throws IOException {
            Path child = path.resolve(name);
            if (!attributes(name).isDirectory()) {
                throw new NotDirectoryException(child.toString());
            }
            return new ByPath(child);
        }

        @Override
        Iterable<Path> list() throws IOException {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(path)) {
                java.util.List<Path> all = new java.util.ArrayList<>();
                ds.forEach(all::add);
                return all;
            }
        }

        @Override
        Object key(Path name) throws IOException {
            return attributes(name).fileKey();
        }

        @Override
        BasicFileAttributes attributes(Path name) throws IOException {
            return Files.readAttributes(path.resolve(name), BasicFileAttributes.class, NOFOLLOW);
        }

        @Override
        Object key() throws IOException {
            return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW).fileKey();
        }

        @Override
        SeekableByteChannel openFile(Path name) throws IOException {
            return Files.newByteChannel(path.resolve(name), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        }

        @Override
        public void close() {
        }
    }
}
