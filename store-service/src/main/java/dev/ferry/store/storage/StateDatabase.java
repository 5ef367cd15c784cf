package dev.ferry.store.storage;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.DataType;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The store's on-disk state ({@code .ferry/state.mv.db}): named maps in one H2 MVStore file, changed in memory and
 * made durable together by {@link #commit()}, so a crash leaves every map as of one commit.
 *
 * <p>Keys and values use explicit {@link DataType}s (strings, byte arrays, our own codecs), never MVStore's
 * Java-serialization fallback, so nothing here needs reflection in a native image.
 */
public final class StateDatabase implements Closeable {
    public static final String FILE = "state.mv.db";
    /**
     * MVStore's page cache in MiB. The maps' pages are read through it; 8 MiB keeps the upper levels of every map
     * (a 1M-entry index is about 250 MiB on disk) and a working set of leaves, so lookups rarely read the disk,
     * while the heap stays small and flat: the OS page cache holds the rest of the file.
     */
    static final int CACHE_MIB = 8;
    /**
     * A commit that leaves the file's chunks less than this full (in percent of their bytes still live) rewrites
     * the live pages of the emptiest ones, at most {@link #COMPACT_BYTES} at a time, so that their space is freed:
     * a copy-on-write store otherwise keeps every chunk that still holds one live page.
     */
    static final int COMPACT_BELOW_FILL_RATE = 50;
    static final int COMPACT_BYTES = 1 << 20;

    /** Runs before each commit; tests put in one that fails (a full disk, an I/O error). */
    public interface CommitHook {
        CommitHook NONE = () -> {
        };

        void beforeCommit() throws IOException;
    }

    private final Path file;
    private final MVStore store;
    private volatile CommitHook hook = CommitHook.NONE;
    /** Why the last commit failed, until {@link #recover()} committed; null while healthy. */
    private volatile String failed;

    private StateDatabase(Path file, MVStore store) {
        this.file = file;
        this.store = store;
    }

    /** Opens (or creates) the database at {@code file}. */
    public static StateDatabase open(Path file) throws IOException {
        try {
            MVStore store = new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitDisabled()
                    .cacheSize(CACHE_MIB)
                    .open();
            // Every commit is fsynced, so no older version is needed after a crash: the space of chunks that no
            // longer hold live pages is written over at once, not kept for MVStore's default 45 s (a first sync of
            // 20,000 small files grew the file to 126 MB that way).
            store.setRetentionTime(0);
            PosixModes.set(file, 0600); // it names every path of the mirror
            return new StateDatabase(file, store);
        } catch (MVStoreException e) {
            throw new IOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /**
     * The map {@code name}, created empty when absent. A new map is recorded at once (committed, not forced: a crash
     * just loses an empty map), so that a later commit with no data change writes nothing (a dry run or an audit
     * that changes nothing leaves the file as it was).
     */
    public synchronized <K, V> MVMap<K, V> map(String name, DataType<K> keys, DataType<V> values) {
        boolean created = !store.hasMap(name);
        MVMap<K, V> map = store.openMap(name, new MVMap.Builder<K, V>().keyType(keys).valueType(values));
        if (created) {
            store.commit();
        }
        return map;
    }

    /**
     * Writes every change since the last commit and fsyncs the file: after it returns, a crash keeps them. Throws
     * while the database is failed (a commit failed since the last {@link #recover()}): what the file holds is then
     * unknown, so nothing may be acknowledged as durable.
     */
    public synchronized void commit() throws IOException {
        if (failed != null) {
            throw new IOException("the state database " + file + " failed (" + failed + ") and is not recovered yet");
        }
        if (!store.hasUnsavedChanges()) {
            return; // an idle flush: nothing to write, no fsync to pay
        }
        try {
            hook.beforeCommit();
            store.commit();
            store.sync();
            if (store.getFileStore().getChunksFillRate() < COMPACT_BELOW_FILL_RATE
                    && store.compact(COMPACT_BELOW_FILL_RATE, COMPACT_BYTES)) {
                store.commit(); // synced too: with no retention time, the next commit may reuse what this one freed
                store.sync();
            }
        } catch (IOException | RuntimeException e) {
            failed = String.valueOf(e);
            throw e instanceof IOException io ? io : new IOException("cannot commit " + file + ": " + e.getMessage(), e);
        }
    }

    /** Why the last commit failed, or null when the database is healthy. */
    public String failure() {
        return failed;
    }

    /**
     * Commits again after a failed commit: the changes are still in memory and are written whole. Throws, leaving
     * the database failed, when that commit fails too, or when MVStore closed itself after a failed write (it
     * does so on an I/O error): then the store needs a restart, which reopens the file at its last commit.
     */
    public synchronized void recover() throws IOException {
        if (failed == null) {
            return;
        }
        if (store.isClosed()) {
            throw new IOException("the state database " + file + " closed itself after a failed write (" + failed
                    + "): restart the store, it reopens at the last commit");
        }
        failed = null;
        commit(); // a failure marks the database failed again
    }

    /** For tests: what runs before each commit from now on. */
    public void commitHookForTests(CommitHook hook) {
        this.hook = hook;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (!store.isClosed()) {
                store.close();
            }
        } catch (MVStoreException e) {
            throw new IOException("cannot close " + file + ": " + e.getMessage(), e);
        }
    }
}
