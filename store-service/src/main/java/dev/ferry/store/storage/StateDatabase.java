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

    private final Path file;
    private final MVStore store;

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
                    .open();
            return new StateDatabase(file, store);
        } catch (MVStoreException e) {
            throw new IOException("cannot open " + file + ": " + e.getMessage(), e);
        }
    }

    public Path file() {
        return file;
    }

    /** The map {@code name}, created empty when absent. */
    public <K, V> MVMap<K, V> map(String name, DataType<K> keys, DataType<V> values) {
        return store.openMap(name, new MVMap.Builder<K, V>().keyType(keys).valueType(values));
    }

    /** Writes every change since the last commit and fsyncs the file: after it returns, a crash keeps them. */
    public synchronized void commit() throws IOException {
        try {
            store.commit();
            store.sync();
        } catch (MVStoreException e) {
            throw new IOException("cannot commit " + file + ": " + e.getMessage(), e);
        }
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
