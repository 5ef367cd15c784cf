package dev.ferry.watcher.state;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.Wire;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.StringDataType;
import org.jboss.logging.Logger;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The watcher's memory of the source: wire path to {@link CachedEntry}, kept on disk in an MVStore database in the
 * state folder ({@value #FILE_NAME}), not on the heap: the heap holds a small page cache whatever the tree's size.
 * {@link #save()} commits what changed since the last save.
 *
 * <p>The cache is a cache: a database that is missing, unreadable, or of another source or chunker is dropped and
 * every file is hashed again; nothing is ever deleted because the cache forgot it (a delete needs a walk that finds
 * the path gone). A {@value #LEGACY_FILE_NAME} of an older watcher is imported once, then removed after the commit.
 *
 * <p>Confined to one thread (the sync engine's tree thread), except the counters read for status.
 */
public final class LocalStateCache implements Closeable {
    private static final Logger LOG = Logger.getLogger(LocalStateCache.class);
    static final String FORMAT = "ferry-watcher-state";
    static final int VERSION = 2;
    /** The state database in the state folder. */
    public static final String FILE_NAME = WatcherStateDatabase.FILE;
    /** The JSON-lines state of watchers before the database (imported once, then removed). */
    public static final String LEGACY_FILE_NAME = "state.jsonl";
    static final int LEGACY_VERSION = 1;

    /** Files of at least this many chunks are found by their first chunk ({@link #withFirstChunk}). */
    public static final int FIRST_CHUNK_MIN = 16;

    private static final String META_FORMAT = "format";
    private static final String META_VERSION = "version";
    private static final String META_SOURCE = "source";
    private static final String META_CHUNKER = "chunker";
    private static final String META_STORE = "store";
    /** "files bytes" as of the last save; absent while changes are not saved (then counted again on load). */
    private static final String META_COUNTS = "counts";
    /** Present while a {@value #LEGACY_FILE_NAME} is being imported: a state stored mid-import is not a saved state. */
    private static final String META_IMPORTING = "importing";

    private final WatcherStateDatabase db;
    private final MVMap<String, CachedEntry> entries;
    /** First chunk (hex) to the path of a file of {@link #FIRST_CHUNK_MIN} chunks or more. */
    private final MVMap<String, String> byFirstChunk;
    private final MVMap<String, String> meta;
    private final Path file;
    private final String source;
    private final ChunkerParams params;
    /** Why nothing can be saved (the state folder cannot hold the database), or null. */
    private String saveProblem;
    /** A folder deleted on {@link #close()} (a private copy), or null. */
    private Path scratch;
    /** The store this state was synced to (its id from the welcome); null while unknown. */
    private String storeId;
    private volatile long fileCount;
    private volatile long byteCount;
    private boolean dirty;
    /** The root digest of the entries as they are, or null after a change. */
    private String root;
    /** The database held a saved state of this source and chunker when it was opened. */
    private boolean loaded;

    private LocalStateCache(WatcherStateDatabase db, Path file, String source, ChunkerParams params) {
        this.db = db;
        this.file = file;
        this.source = source;
        this.params = params;
        this.entries = db.map("entries", StringDataType.INSTANCE, CachedEntryType.INSTANCE);
        this.byFirstChunk = db.map("first-chunk", StringDataType.INSTANCE, StringDataType.INSTANCE);
        this.meta = db.map("meta", StringDataType.INSTANCE, StringDataType.INSTANCE);
    }

    /** An empty cache that saves to {@code stateDir/state.mv.db} (replacing what that held once saved). */
    public LocalStateCache(Path stateDir, String source, ChunkerParams params) {
        this(openOrInMemory(stateDir.resolve(FILE_NAME)), stateDir.resolve(FILE_NAME), source, params);
        if (db.file() == null) {
            saveProblem = "cannot open " + file;
        }
        clear();
    }

    /**
     * Loads the saved cache (importing a {@value #LEGACY_FILE_NAME} once), or starts empty when there is none, it
     * belongs to another source or chunker, or it is damaged.
     */
    public static LocalStateCache load(Path stateDir, String source, ChunkerParams params) {
        Path file = stateDir.resolve(FILE_NAME);
        Path legacy = stateDir.resolve(LEGACY_FILE_NAME);
        LocalStateCache cache = open(file, source, params);
        if (!cache.loaded && Files.exists(legacy) && cache.saveProblem == null) {
            cache.importLegacy(legacy);
        } else if (cache.saveProblem == null) {
            try {
                // Left by an upgrade that committed the import but stopped before it removed the old file.
                Files.deleteIfExists(legacy);
            } catch (IOException e) {
                LOG.debugf("cannot remove %s: %s", legacy, e.getMessage());
            }
        }
        return cache;
    }

    /**
     * A private copy of the saved cache, in a temporary folder deleted on {@link #close()}: a dry run brings it up
     * to date with the source and the real state stays as it was, even while a watcher runs on it.
     */
    public static LocalStateCache loadCopy(Path stateDir, String source, ChunkerParams params) {
        Path scratch;
        try {
            scratch = Files.createTempDirectory("ferry-state-");
            for (String name : new String[] {FILE_NAME, LEGACY_FILE_NAME}) {
                Path from = stateDir.resolve(name);
                if (Files.isRegularFile(from)) {
                    Files.copy(from, scratch.resolve(name), StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot copy the local state of %s (%s): every file will be hashed", stateDir, e.getMessage());
            LocalStateCache cache = new LocalStateCache(WatcherStateDatabase.inMemory(), stateDir.resolve(FILE_NAME),
                    source, params);
            cache.saveProblem = "a copy in memory";
            cache.clear();
            return cache;
        }
        LocalStateCache cache = load(scratch, source, params);
        cache.scratch = scratch;
        return cache;
    }

    /** Opens the database at {@code file} and checks whose it is; a damaged or foreign one is started over. */
    private static LocalStateCache open(Path file, String source, ChunkerParams params) {
        WatcherStateDatabase db;
        try {
            db = WatcherStateDatabase.open(file);
        } catch (WatcherStateDatabase.LockedException e) {
            LOG.warnf("the local state %s is in use by another process: this run keeps its state in memory only "
                    + "(every file is hashed, and nothing is saved)", file);
            LocalStateCache cache = new LocalStateCache(WatcherStateDatabase.inMemory(), file, source, params);
            cache.saveProblem = e.getMessage();
            cache.clear();
            return cache;
        } catch (IOException e) {
            LOG.warnf("ignoring the local state in %s (%s): every file will be hashed again", file, e.getMessage());
            return fresh(file, source, params);
        }
        LocalStateCache cache = null;
        try {
            cache = new LocalStateCache(db, file, source, params);
            String problem = cache.whoseProblem();
            if (problem != null) {
                LOG.warnf("ignoring the local state in %s (%s): every file will be hashed again", file, problem);
                cache.clear();
            } else if (cache.meta.get(META_FORMAT) == null || cache.meta.get(META_IMPORTING) != null) {
                cache.clear();
                cache.dirty = false;
            } else {
                cache.storeId = cache.meta.get(META_STORE);
                cache.readCounts();
                cache.loaded = true;
            }
            return cache;
        } catch (RuntimeException e) {
            // A page that cannot be read: the database is damaged.
            LOG.warnf("ignoring the local state in %s (%s): every file will be hashed again", file, e.getMessage());
            db.closeAsACrashWould();
            return fresh(file, source, params);
        }
    }

    /** A new, empty database at {@code file} in place of one that cannot be read (kept aside as {@code .damaged}). */
    private static LocalStateCache fresh(Path file, String source, ChunkerParams params) {
        try {
            Files.move(file, file.resolveSibling(file.getFileName() + ".damaged"), StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            LOG.debugf("no %s to set aside", file);
        } catch (IOException e) {
            LOG.debugf("cannot set %s aside: %s", file, e.getMessage());
        }
        return new LocalStateCache(file.getParent(), source, params);
    }

    private static WatcherStateDatabase openOrInMemory(Path file) {
        try {
            return WatcherStateDatabase.open(file);
        } catch (IOException e) {
            LOG.warnf("cannot keep the local state in %s (%s): this run keeps it in memory only", file, e.getMessage());
            return WatcherStateDatabase.inMemory();
        }
    }

    /** Why the database is not this source's state (null when it is, or when it holds no state yet). */
    private String whoseProblem() {
        String format = meta.get(META_FORMAT);
        if (format == null) {
            return null;
        }
        if (!FORMAT.equals(format) || !String.valueOf(VERSION).equals(meta.get(META_VERSION))) {
            return "unknown format";
        }
        if (!source.equals(meta.get(META_SOURCE))) {
            return "it belongs to source " + meta.get(META_SOURCE);
        }
        if (!params.toString().equals(meta.get(META_CHUNKER))) {
            return "it was cut with " + meta.get(META_CHUNKER);
        }
        return null;
    }

    private void readCounts() {
        String counts = meta.get(META_COUNTS);
        if (counts != null) {
            String[] parts = counts.split(" ");
            fileCount = Long.parseLong(parts[0]);
            byteCount = Long.parseLong(parts[1]);
            return;
        }
        // Changes were stored but not saved (the watcher stopped between two saves): count again, once.
        long files = 0;
        long bytes = 0;
        Cursor<String, CachedEntry> c = entries.cursor(null);
        while (c.hasNext()) {
            c.next();
            CachedEntry e = c.getValue();
            if (e.type() == EntryType.FILE) {
                files++;
                bytes += e.size();
            }
        }
        fileCount = files;
        byteCount = bytes;
        dirty = true;
    }

    public Path file() {
        return file;
    }

    /** The id of the store this state was synced to, or null when not known yet. */
    public String storeId() {
        return storeId;
    }

    /**
     * Binds this state to the store {@code id} (from its welcome). The state records what one store was sent: for
     * another store (a new DEST, a store that lost its own state) it says nothing, so it is dropped and the watcher
     * starts from what that store holds. A state of unknown store (saved before stores were recorded) is adopted.
     *
     * @return true when the state belonged to another store and was dropped
     */
    public boolean bindTo(String id) {
        if (id == null || id.equals(storeId)) {
            return false;
        }
        boolean foreign = storeId != null;
        if (foreign) {
            LOG.infof("the local state belongs to store %s, not to store %s: starting over from what this store holds",
                    storeId, id);
            clear();
        }
        storeId = id;
        changed();
        return foreign;
    }

    public CachedEntry get(String path) {
        return entries.get(path);
    }

    public boolean contains(String path) {
        return entries.containsKey(path);
    }

    public void put(String path, CachedEntry entry) {
        changed();
        CachedEntry old = entries.put(path, entry);
        unindex(path, old);
        count(old, -1);
        count(entry, 1);
        index(path, entry);
    }

    /**
     * A file other than {@code except} whose first chunk is {@code first}, or null: a copy, or a new file that
     * starts like an old one, can then be sent as a patch against it. Only files of {@link #FIRST_CHUNK_MIN}
     * chunks or more are indexed (smaller chunk lists cost little to send whole), so the index stays small.
     */
    public String withFirstChunk(ChunkRef first, String except) {
        String path = byFirstChunk.get(first.hash().hex());
        if (path == null || path.equals(except)) {
            return null;
        }
        CachedEntry e = entries.get(path);
        return e != null && first.hash().equals(firstChunk(e)) ? path : null;
    }

    private void index(String path, CachedEntry e) {
        ChunkHash first = firstChunk(e);
        if (first != null) {
            byFirstChunk.put(first.hex(), path);
        }
    }

    private void unindex(String path, CachedEntry e) {
        ChunkHash first = firstChunk(e);
        if (first != null) {
            byFirstChunk.remove(first.hex(), path);
        }
    }

    private static ChunkHash firstChunk(CachedEntry e) {
        if (e == null || e.type() != EntryType.FILE || e.chunkCount() < FIRST_CHUNK_MIN) {
            return null;
        }
        return ChunkHash.of(Arrays.copyOf(e.packedChunks(), ChunkHash.LENGTH));
    }

    /** Removes {@code path} and everything below it; returns how many entries went. */
    public int removeSubtree(String path) {
        int removed = 0;
        if (!path.isEmpty()) {
            CachedEntry top = entries.get(path);
            if (top != null) {
                changed();
                entries.remove(path);
                unindex(path, top);
                count(top, -1);
                removed++;
            }
        }
        // The cursor reads the tree as it was when it was made, so removing while it runs is safe.
        Cursor<String, CachedEntry> c = entries.cursor(rangeStart(path));
        String end = rangeEnd(path);
        while (c.hasNext()) {
            String key = c.next();
            if (end != null && key.compareTo(end) >= 0) {
                break;
            }
            changed();
            CachedEntry e = c.getValue();
            entries.remove(key);
            unindex(key, e);
            count(e, -1);
            removed++;
        }
        return removed;
    }

    /** Moves {@code from} and everything below it to {@code to}, replacing whatever was at {@code to}. */
    public void rebase(String from, String to) {
        if (from.equals(to)) {
            return;
        }
        CachedEntry top = entries.get(from);
        // Made before anything changes: it walks the subtree as it was.
        Cursor<String, CachedEntry> moved = entries.cursor(rangeStart(from));
        String end = rangeEnd(from);
        removeSubtree(from);
        removeSubtree(to);
        if (top != null) {
            put(to, top);
        }
        while (moved.hasNext()) {
            String key = moved.next();
            if (end != null && key.compareTo(end) >= 0) {
                break;
            }
            put(RelativePaths.rebase(key, from, to), moved.getValue());
        }
    }

    /** First key strictly below {@code path} ("" for all: null). */
    private static String rangeStart(String path) {
        return path.isEmpty() ? null : path + "/";
    }

    /** First key after everything below {@code path} (null: no end). '0' follows '/' in every ordering of strings. */
    private static String rangeEnd(String path) {
        return path.isEmpty() ? null : path + "0";
    }

    /**
     * A read-only view of the entries strictly below {@code path} ("" for all), in path order, read from the
     * database as it is iterated (nothing is copied to the heap).
     */
    public Map<String, CachedEntry> below(String path) {
        return new Range(rangeStart(path), rangeEnd(path));
    }

    /**
     * The paths directly in the folder {@code dir} ("" for the root), in path order, read from the database as they
     * are iterated: the entries below each child folder are skipped by a seek, not read.
     */
    public Iterable<String> children(String dir) {
        String end = rangeEnd(dir);
        int depth = dir.isEmpty() ? 0 : dir.length() + 1;
        return () -> new Iterator<>() {
            private Cursor<String, CachedEntry> c = entries.cursor(rangeStart(dir));
            private String next = advance();

            private String advance() {
                while (c.hasNext()) {
                    String key = c.next();
                    if (end != null && key.compareTo(end) >= 0) {
                        return null;
                    }
                    int slash = key.indexOf('/', depth);
                    if (slash < 0) {
                        return key;
                    }
                    // Below a child folder: jump past its subtree ('0' follows '/').
                    c = entries.cursor(key.substring(0, slash) + "0");
                }
                return null;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public String next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                String path = next;
                next = advance();
                return path;
            }
        };
    }

    /** All entries in path order (the order of {@link RootDigest}), read as iterated; read-only. */
    public Map<String, CachedEntry> entries() {
        return new Range(null, null);
    }

    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, entries.sizeAsLong());
    }

    public long fileCount() {
        return fileCount;
    }

    public long byteCount() {
        return byteCount;
    }

    /**
     * The {@link RootDigest} over every entry's manifest digest, computed in one pass in path order (the
     * database's order) and kept until the next change.
     */
    public String rootDigest() {
        if (root == null) {
            MessageDigest md = ChunkHash.newDigest();
            Cursor<String, CachedEntry> c = entries.cursor(null);
            while (c.hasNext()) {
                String path = c.next();
                md.update(path.getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(c.getValue().digest().getBytes(StandardCharsets.US_ASCII));
                md.update((byte) '\n');
            }
            root = HexFormat.of().formatHex(md.digest());
        }
        return root;
    }

    public boolean isDirty() {
        return dirty;
    }

    public void clear() {
        changed();
        entries.clear();
        byFirstChunk.clear();
        meta.clear();
        meta.put(META_FORMAT, FORMAT);
        meta.put(META_VERSION, String.valueOf(VERSION));
        meta.put(META_SOURCE, source);
        meta.put(META_CHUNKER, params.toString());
        fileCount = 0;
        byteCount = 0;
    }

    /** Marks the first change after a save: the saved counts no longer hold. */
    private void changed() {
        root = null;
        if (!dirty) {
            dirty = true;
            meta.remove(META_COUNTS);
        }
    }

    /**
     * Commits what changed since the last save (durable when it returns; a crash before leaves the state of the
     * last commit). Cheap when little changed: only the changed pages are written.
     */
    public void save() throws IOException {
        if (!dirty) {
            return;
        }
        if (saveProblem != null) {
            throw new IOException(saveProblem);
        }
        if (storeId != null) {
            meta.put(META_STORE, storeId);
        } else {
            meta.remove(META_STORE);
        }
        meta.put(META_COUNTS, fileCount + " " + byteCount);
        db.commit();
        dirty = false;
    }

    /** Saves what changed (when it can) and closes the database; a private copy is deleted. */
    @Override
    public void close() throws IOException {
        try {
            if (scratch == null && saveProblem == null) {
                save();
            }
        } finally {
            if (scratch != null) {
                db.closeAsACrashWould();
                deleteScratch();
            } else {
                db.close();
            }
        }
    }

    /** Closes without saving, as a crash would (for tests). */
    void closeAsACrashWould() {
        db.closeAsACrashWould();
    }

    private void deleteScratch() {
        try (var files = Files.list(scratch)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            LOG.debugf("cannot delete %s: %s", scratch, e.getMessage());
        }
    }

    private void count(CachedEntry e, int sign) {
        if (e != null && e.type() == EntryType.FILE) {
            fileCount += sign;
            byteCount += sign * e.size();
        }
    }

    /**
     * Reads an older watcher's {@value #LEGACY_FILE_NAME} into the database, commits, then removes it. A file of
     * another source or chunker is dropped; a damaged line ends the import there (what follows is hashed again).
     */
    private void importLegacy(Path legacy) {
        meta.put(META_IMPORTING, "1");
        try {
            readLegacy(legacy);
            LOG.infof("imported the local state of %d entries from %s into %s", size(), legacy, file);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring the local state in %s (%s): every file will be hashed again", legacy, e.getMessage());
            clear();
        }
        meta.remove(META_IMPORTING);
        try {
            dirty = true;
            save();
            Files.deleteIfExists(legacy);
            Files.deleteIfExists(legacy.resolveSibling(LEGACY_FILE_NAME + ".tmp"));
        } catch (IOException e) {
            LOG.warnf("cannot finish moving the local state from %s to %s (%s): it is read again next start",
                    legacy, file, e.getMessage());
        }
    }

    private void readLegacy(Path legacy) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(legacy, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                return;
            }
            JsonNode h = Wire.mapper().readTree(header);
            if (!FORMAT.equals(h.path("format").asText()) || h.path("version").asInt() != LEGACY_VERSION) {
                throw new IOException("unknown format");
            }
            if (!source.equals(h.path("source").asText())) {
                throw new IOException("it belongs to source " + h.path("source").asText());
            }
            if (!params.toString().equals(h.path("chunker").asText())) {
                throw new IOException("it was cut with " + h.path("chunker").asText());
            }
            storeId = h.hasNonNull("store") ? h.get("store").asText() : null;
            String line;
            int lineNo = 1;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = Wire.mapper().readTree(line);
                } catch (IOException e) {
                    LOG.warnf("local state %s: line %d is damaged, ignoring it and what follows", legacy, lineNo);
                    return;
                }
                String path = n.path("p").asText();
                if (!RelativePaths.isValid(path)) {
                    throw new IOException("bad path on line " + lineNo);
                }
                String chunks = n.path("c").asText("");
                Manifest m = new Manifest(path, parseType(n.path("t").asText()), n.path("m").asInt(),
                        n.path("mt").asLong(), n.path("s").asLong(),
                        chunks.isEmpty() ? null : ChunkListCodec.decode(chunks),
                        n.hasNonNull("l") ? n.get("l").asText() : null);
                put(path, CachedEntry.of(m, n.path("i").asLong(), n.path("r").asBoolean(false)));
            }
        }
    }

    static EntryType parseType(String name) throws IOException {
        switch (name) {
            case "file":
                return EntryType.FILE;
            case "dir":
                return EntryType.DIRECTORY;
            case "symlink":
                return EntryType.SYMLINK;
            default:
                throw new IOException("unknown entry type '" + name + "'");
        }
    }

    /** Entries in [from, to) of the database (null: unbounded), as a read-only map read on demand. */
    private final class Range extends AbstractMap<String, CachedEntry> {
        private final String from;
        private final String to;

        Range(String from, String to) {
            this.from = from;
            this.to = to;
        }

        private boolean inRange(Object key) {
            if (!(key instanceof String k)) {
                return false;
            }
            return (from == null || k.compareTo(from) >= 0) && (to == null || k.compareTo(to) < 0);
        }

        @Override
        public CachedEntry get(Object key) {
            return inRange(key) ? entries.get(key) : null;
        }

        @Override
        public boolean containsKey(Object key) {
            return inRange(key) && entries.containsKey(key);
        }

        @Override
        public int size() {
            long n = (to == null ? entries.sizeAsLong() : position(to)) - (from == null ? 0 : position(from));
            return (int) Math.min(Integer.MAX_VALUE, n);
        }

        @Override
        public boolean isEmpty() {
            return !entrySet().iterator().hasNext();
        }

        /** How many keys sort before {@code key}. */
        private long position(String key) {
            long index = entries.getKeyIndex(key);
            return index >= 0 ? index : -index - 1;
        }

        @Override
        public Set<Map.Entry<String, CachedEntry>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, CachedEntry>> iterator() {
                    Cursor<String, CachedEntry> c = entries.cursor(from);
                    return new Iterator<>() {
                        private Map.Entry<String, CachedEntry> next = advance();

                        private Map.Entry<String, CachedEntry> advance() {
                            if (!c.hasNext()) {
                                return null;
                            }
                            String key = c.next();
                            return to != null && key.compareTo(to) >= 0 ? null : Map.entry(key, c.getValue());
                        }

                        @Override
                        public boolean hasNext() {
                            return next != null;
                        }

                        @Override
                        public Map.Entry<String, CachedEntry> next() {
                            if (next == null) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<String, CachedEntry> e = next;
                            next = advance();
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return Range.this.size();
                }
            };
        }
    }
}
