package dev.ferry.watcher.state;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.DataType;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The watcher's on-disk state ({@code state.mv.db} in its state folder): named maps in one H2 MVStore file, made
 * durable together by {@link #commit()}. MVStore writes copy-on-write chunks and a crash leaves the last complete
 * one, so a crash never leaves a half-written state; between commits it also stores on its own once the changes held
 * in memory pass a small buffer, which keeps the heap flat during a long scan (the state on disk is then a
 * consistent earlier version of the cache, which is all a cache needs).
 *
 * <p>Keys and values use explicit {@link DataType}s, never MVStore's Java-serialization fallback, so nothing here
 * needs reflection in a native image.
 */
final class WatcherStateDatabase implements Closeable {
    static final String FILE = "state.mv.db";
    /** Page cache: enough for the upper levels of a million-entry tree; the leaves are read as a walk needs them. */
    private static final int CACHE_MIB = 8;

    private final Path file;
    private final MVStore store;

    private WatcherStateDatabase(Path file, MVStore store) {
        this.file = file;
        this.store = store;
    }

    /** Thrown when another process (another watcher of the same source) holds the database open. */
    static final class LockedException extends IOException {
        LockedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Opens (or creates, readable by its owner only: it lists every path of the source) the database at {@code file}. */
    static WatcherStateDatabase open(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
        }
        try {
            MVStore store = new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitDisabled()
                    .cacheSize(CACHE_MIB)
                    .open();
            return new WatcherStateDatabase(file, store);
        } catch (MVStoreException e) {
            if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
                throw new LockedException(file + " is in use by another process", e);
            }
            throw new IOException("cannot open " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IOException("cannot open " + file + ": " + e, e);
        }
    }

    /** A database in memory only, for a state folder that cannot hold one: {@link #commit()} fails with {@code why}. */
    static WatcherStateDatabase inMemory() {
        return new WatcherStateDatabase(null, new MVStore.Builder().autoCommitDisabled().open());
    }

    /** The file, or null when in memory only. */
    Path file() {
        return file;
    }

    /** The map {@code name}, created empty when absent. */
    <K, V> MVMap<K, V> map(String name, DataType<K> keys, DataType<V> values) {
        return store.openMap(name, new MVMap.Builder<K, V>().keyType(keys).valueType(values));
    }

    /** Writes every change since the last commit and fsyncs the file: after it returns, a crash keeps them. */
    void commit() throws IOException {
        try {
            store.commit();
            if (file != null) {
                store.sync();
            }
        } catch (MVStoreException e) {
            throw new IOException("cannot commit " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (!store.isClosed()) {
                store.close();
            }
        } catch (MVStoreException e) {
            throw new IOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }

    /** Closes without writing what is not committed, as a crash would (for tests). */
    void closeAsACrashWould() {
        store.closeImmediately();
    }
}
