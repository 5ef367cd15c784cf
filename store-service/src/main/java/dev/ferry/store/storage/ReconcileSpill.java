package dev.ferry.store.storage;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.StringDataType;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

/**
 * The watcher's index during a reconcile (path → digest), kept in a temporary MVStore file under {@code tmp/}
 * rather than on the heap, so that a reconcile of a million entries needs no more memory than one of a hundred.
 * MVStore writes its pages out whenever about a megabyte of changes is held; nothing is fsynced (a crash loses
 * the reconcile, which the watcher starts again), and the file goes when the reconcile ends, or with {@code tmp/}
 * at the next start.
 */
public final class ReconcileSpill implements Closeable {
    /** Changes held in memory before MVStore writes them out, in KiB. */
    private static final int WRITE_BEHIND_KIB = 1024;
    private static final int CACHE_MIB = 2;
    /**
     * Free space a reconcile leaves on the store's disk: the state database's reserve (uploads stop there too) and
     * a write-behind buffer of the spill's own.
     */
    public static final long DISK_RESERVE = ChunkStore.STATE_RESERVE + (WRITE_BEHIND_KIB << 10) * 2L;

    private final Path file;
    private final MVStore store;
    private final MVMap<String, String> digests;
    /** Heap the entries hold, roughly, when there is no file (0 otherwise). */
    private long heapBytes;

    private ReconcileSpill(Path file, MVStore store) {
        this.file = file;
        this.store = store;
        this.digests = store.openMap("theirs", new MVMap.Builder<String, String>()
                .keyType(StringDataType.INSTANCE).valueType(StringDataType.INSTANCE));
    }

    /** A new, empty spill file in {@code tmpDir}. */
    public static ReconcileSpill create(Path tmpDir) throws IOException {
        Path file = Files.createTempFile(tmpDir, "reconcile-", ".mv.db");
        Files.delete(file); // MVStore creates it; only the unique name is wanted
        try {
            return new ReconcileSpill(file, new MVStore.Builder()
                    .fileName(file.toString())
                    .autoCommitBufferSize(WRITE_BEHIND_KIB)
                    .cacheSize(CACHE_MIB)
                    .open());
        } catch (MVStoreException e) {
            Files.deleteIfExists(file);
            throw new IOException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A spill on the heap, for a store whose {@code tmp/} cannot take a file (a read-only DEST still reconciles, and
     * reports what it cannot apply); {@link #heapBytes()} says what it holds, for the session's memory limit.
     */
    public static ReconcileSpill onHeap() {
        return new ReconcileSpill(null, new MVStore.Builder().autoCommitDisabled().open());
    }

    /** Records their entry; true when {@code path} was not in the spill yet. */
    public boolean put(String path, String digest) {
        boolean added = digests.put(path, digest) == null;
        if (added && file == null) {
            heapBytes += 96 + 2L * (path.length() + digest.length());
        }
        return added;
    }

    /** Heap the entries hold, roughly: 0 for a spill in a file. */
    public long heapBytes() {
        return heapBytes;
    }

    public boolean contains(String path) {
        return digests.containsKey(path);
    }

    public long size() {
        return digests.sizeAsLong();
    }

    /** Their entries in path order ({@link String#compareTo}), read from the file as the iteration goes. */
    public Iterator<Map.Entry<String, String>> entries() {
        return new CursorIterator<>(digests.cursor(null), Map::entry);
    }

    /** The spill's file, or null when it is on the heap. */
    public Path file() {
        return file;
    }

    /** Drops the spill and deletes its file. */
    @Override
    public void close() {
        try {
            store.closeImmediately();
        } finally {
            try {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                // tmp/ is emptied at the next start.
            }
        }
    }
}
