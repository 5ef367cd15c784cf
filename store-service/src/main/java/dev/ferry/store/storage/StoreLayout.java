package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.RelativePaths;
import org.jboss.logging.Logger;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;

/**
 * The store's folders under DEST: {@code .ferry/packs/}, {@code .ferry/tmp/}, {@code .ferry/state.mv.db},
 * {@code .ferry/index.log},
 * {@code .ferry/store-id}, {@code .ferry/chunker} and {@code .ferry/lock}. Opening it creates what is missing,
 * empties {@code tmp/} and takes the lock, so two stores never serve one DEST.
 */
public final class StoreLayout implements Closeable {
    private static final Logger LOG = Logger.getLogger(StoreLayout.class);

    private final Path dest;
    private final Path stateDir;
    private final String storeId;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StoreLayout(Path dest, Path stateDir, String storeId, FileChannel lockChannel, FileLock lock) {
        this.dest = dest;
        this.stateDir = stateDir;
        this.storeId = storeId;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating if needed) the store at {@code dest}; {@link StoreOpenException} says why it cannot. */
    public static StoreLayout open(Path dest) throws IOException {
        Path abs = dest.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new StoreOpenException("DEST exists but is not a directory: " + abs);
        }
        Files.createDirectories(abs);
        Path real = abs.toRealPath();
        Path state = real.resolve(RelativePaths.STATE_DIR);
        BasicFileAttributes attrs = attributes(state);
        if (attrs != null && !attrs.isDirectory()) {
            throw new StoreOpenException(state + " exists but is not a real directory (a symlink or a file)");
        }
        Files.createDirectories(state.resolve("tmp"));
        FileChannel channel = FileChannel.open(state.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new StoreOpenException("cannot lock " + state.resolve("lock") + ": " + e.getMessage());
        }
        if (lock == null) {
            channel.close();
            throw new StoreOpenException("another store process is serving " + real);
        }
        try {
            emptyDirectory(state.resolve("tmp"));
            String id = readOrCreateStoreId(state.resolve("store-id"));
            recordChunker(state.resolve("chunker"));
            makePrivate(state);
            return new StoreLayout(real, state, id, channel, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    private static String readOrCreateStoreId(Path file) throws IOException {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (!id.isEmpty()) {
                return id;
            }
        }
        String id = UUID.randomUUID().toString();
        Files.writeString(file, id + "\n", StandardCharsets.UTF_8);
        return id;
    }

    private static void recordChunker(Path file) throws IOException {
        String wanted = ChunkerParams.DEFAULT + "\n";
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            String had = Files.readString(file, StandardCharsets.UTF_8);
            if (had.equals(wanted)) {
                return;
            }
            LOG.warnf("Chunks in this store were cut with '%s', now '%s': old chunks stay valid but dedupe less",
                    had.trim(), wanted.trim());
        }
        Files.writeString(file, wanted, StandardCharsets.UTF_8);
    }

    /**
     * DEST/.ferry names every path, size and mode of the mirror: it, packs/ and tmp/ are 0700, the files directly
     * in it (state database, store id, source binding, lock) 0600; a store made by an older version is tightened on
     * start. Below chunks/ nothing is walked (millions of entries): the closed folder above them keeps others out,
     * and chunks are written as 0600 temp files anyway.
     */
    static void makePrivate(Path state) throws IOException {
        PosixModes.set(state, 0700);
        try (DirectoryStream<Path> children = Files.newDirectoryStream(state)) {
            for (Path child : children) {
                BasicFileAttributes a = attributes(child);
                if (a == null || a.isSymbolicLink() || a.isOther()) {
                    continue;
                }
                int wanted = a.isDirectory() ? 0700 : 0600;
                if (PosixModes.read(child) != wanted) {
                    PosixModes.set(child, wanted);
                }
            }
        }
    }

    /** Deletes everything inside {@code dir}, never following a link. */
    static void emptyDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
            for (Path child : children) {
                deleteTree(child);
            }
        }
    }

    /** Deletes {@code p} and, when it is a real directory, everything below it; links are removed, never followed. */
    public static void deleteTree(Path p) throws IOException {
        BasicFileAttributes attrs = attributes(p);
        if (attrs == null) {
            return;
        }
        if (attrs.isDirectory()) {
            PosixModes.ensureOwnerAccess(p);
            try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
                for (Path child : children) {
                    deleteTree(child);
                }
            }
        }
        Files.deleteIfExists(p);
    }

    /** The attributes of {@code p} itself (a link is not followed), or null when nothing is there. */
    public static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** DEST as a real, absolute path. */
    public Path dest() {
        return dest;
    }

    /** DEST/.ferry. */
    public Path stateDir() {
        return stateDir;
    }

    /** Where a store made before packs kept one file per chunk; imported into packs and removed at start. */
    public Path chunksDir() {
        return stateDir.resolve("chunks");
    }

    public Path tmpDir() {
        return stateDir.resolve("tmp");
    }

    /** The name of {@link #versionsDir()} in {@code .ferry}. */
    public static final String VERSIONS = "versions";

    /** DEST/.ferry/versions: the files of kept versions ({@link VersionHistory}). */
    public Path versionsDir() {
        return stateDir.resolve(VERSIONS);
    }

    /** DEST/.ferry/index.log: the index journal of older versions, imported into the state database at start. */
    public Path indexFile() {
        return stateDir.resolve("index.log");
    }

    /** DEST/.ferry/source.json: the source this store belongs to ({@link SourceBinding}). */
    public Path sourceFile() {
        return stateDir.resolve(SourceBinding.FILE);
    }

    /** Bytes free for this process on the file system of DEST/.ferry (where chunks and temp files go). */
    public long usableSpace() throws IOException {
        return Files.getFileStore(stateDir).getUsableSpace();
    }

    /** {@link #usableSpace()}, or -1 when it cannot be read (for status and metrics, which report and go on). */
    public long usableSpaceOrUnknown() {
        try {
            return usableSpace();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** A random UUID made at the store's first start. */
    public String storeId() {
        return storeId;
    }

    @Override
    public synchronized void close() throws IOException {
        if (lockChannel.isOpen()) {
            try {
                lock.release();
            } finally {
                lockChannel.close();
            }
        }
    }
}
