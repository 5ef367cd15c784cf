package dev.ferry.watcher.state;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.ChunkListCodec;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.Wire;
import org.jboss.logging.Logger;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The watcher's memory of the source: wire path to {@link CachedEntry}, persisted as JSON lines in the state
 * folder (a header line, then one line per entry), written to a temp file and renamed into place.
 *
 * <p>Confined to one thread (the sync engine's tree thread), except the counters read for status.
 */
public final class LocalStateCache {
    private static final Logger LOG = Logger.getLogger(LocalStateCache.class);
    static final String FORMAT = "ferry-watcher-state";
    static final int VERSION = 1;
    public static final String FILE_NAME = "state.jsonl";

    /** Files of at least this many chunks are found by their first chunk ({@link #withFirstChunk}). */
    public static final int FIRST_CHUNK_MIN = 16;

    private final NavigableMap<String, CachedEntry> entries = new TreeMap<>();
    private final Map<ChunkHash, String> byFirstChunk = new HashMap<>();
    private final Path file;
    private final String source;
    private final ChunkerParams params;
    /** The store this state was synced to (its id from the welcome); null while unknown. */
    private String storeId;
    private volatile long fileCount;
    private volatile long byteCount;
    private boolean dirty;

    /** An empty cache that saves to {@code stateDir/state.jsonl}. */
    public LocalStateCache(Path stateDir, String source, ChunkerParams params) {
        this.file = stateDir.resolve(FILE_NAME);
        this.source = source;
        this.params = params;
    }

    /** Loads the saved cache, or starts empty when there is none, it belongs to another source or chunker, or it is damaged. */
    public static LocalStateCache load(Path stateDir, String source, ChunkerParams params) {
        LocalStateCache cache = new LocalStateCache(stateDir, source, params);
        try {
            cache.read();
        } catch (NoSuchFileException e) {
            LOG.debugf("no local state at %s yet", cache.file);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("ignoring the local state in %s (%s): every file will be hashed again", cache.file, e.getMessage());
            cache.clear();
        }
        return cache;
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
        dirty = true;
        return foreign;
    }

    public CachedEntry get(String path) {
        return entries.get(path);
    }

    public boolean contains(String path) {
        return entries.containsKey(path);
    }

    public void put(String path, CachedEntry entry) {
        CachedEntry old = entries.put(path, entry);
        unindex(path, old);
        count(old, -1);
        count(entry, 1);
        index(path, entry);
        dirty = true;
    }

    /**
     * A file other than {@code except} whose first chunk is {@code first}, or null: a copy, or a new file that
     * starts like an old one, can then be sent as a patch against it. Only files of {@link #FIRST_CHUNK_MIN}
     * chunks or more are indexed (smaller chunk lists cost little to send whole), so the index stays small.
     */
    public String withFirstChunk(ChunkRef first, String except) {
        String path = byFirstChunk.get(first.hash());
        if (path == null || path.equals(except)) {
            return null;
        }
        CachedEntry e = entries.get(path);
        return e != null && first.hash().equals(firstChunk(e)) ? path : null;
    }

    private void index(String path, CachedEntry e) {
        ChunkHash first = firstChunk(e);
        if (first != null) {
            byFirstChunk.put(first, path);
        }
    }

    private void unindex(String path, CachedEntry e) {
        ChunkHash first = firstChunk(e);
        if (first != null) {
            byFirstChunk.remove(first, path);
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
        CachedEntry top = entries.remove(path);
        if (top != null) {
            unindex(path, top);
            count(top, -1);
            removed++;
        }
        NavigableMap<String, CachedEntry> below = below(path);
        for (Map.Entry<String, CachedEntry> e : below.entrySet()) {
            unindex(e.getKey(), e.getValue());
            count(e.getValue(), -1);
            removed++;
        }
        below.clear();
        dirty |= removed > 0;
        return removed;
    }

    /** Moves {@code from} and everything below it to {@code to}, replacing whatever was at {@code to}. */
    public void rebase(String from, String to) {
        if (from.equals(to)) {
            return;
        }
        TreeMap<String, CachedEntry> moved = new TreeMap<>();
        CachedEntry top = entries.get(from);
        if (top != null) {
            moved.put(to, top);
        }
        for (Map.Entry<String, CachedEntry> e : below(from).entrySet()) {
            moved.put(RelativePaths.rebase(e.getKey(), from, to), e.getValue());
        }
        removeSubtree(from);
        removeSubtree(to);
        for (Map.Entry<String, CachedEntry> e : moved.entrySet()) {
            put(e.getKey(), e.getValue());
        }
    }

    /** A live view of the entries strictly below {@code path} ("" for all), in path order. */
    public NavigableMap<String, CachedEntry> below(String path) {
        if (path.isEmpty()) {
            return entries;
        }
        // '0' follows '/' in every ordering of strings, so this range is exactly "path/...".
        return entries.subMap(path + "/", true, path + "0", false);
    }

    /** All entries in path order (the order of {@link RootDigest}); do not modify. */
    public NavigableMap<String, CachedEntry> entries() {
        return entries;
    }

    public int size() {
        return entries.size();
    }

    public long fileCount() {
        return fileCount;
    }

    public long byteCount() {
        return byteCount;
    }

    /** RootDigest over every entry's manifest digest. */
    public String rootDigest() {
        return RootDigest.of(new DigestView());
    }

    public boolean isDirty() {
        return dirty;
    }

    public void clear() {
        entries.clear();
        byFirstChunk.clear();
        fileCount = 0;
        byteCount = 0;
        dirty = true;
    }

    /** Writes the cache to its file (temp file, fsync, rename) when something changed since the last save. */
    public void save() throws IOException {
        if (!dirty) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        JsonFactory factory = Wire.mapper().getFactory();
        // A fresh 0600 file (never a link left at the temp name): the state lists every path of the source.
        Files.deleteIfExists(tmp);
        try (FileChannel fos = createPrivate(tmp);
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(fos), 1 << 16);
             JsonGenerator gen = factory.createGenerator(out)) {
            gen.setRootValueSeparator(new SerializedString("\n"));
            gen.writeStartObject();
            gen.writeStringField("format", FORMAT);
            gen.writeNumberField("version", VERSION);
            gen.writeStringField("source", source);
            gen.writeStringField("chunker", params.toString());
            if (storeId != null) {
                gen.writeStringField("store", storeId);
            }
            gen.writeEndObject();
            for (Map.Entry<String, CachedEntry> e : entries.entrySet()) {
                writeEntry(gen, e.getKey(), e.getValue());
            }
            gen.writeRaw('\n');
            gen.flush();
            out.flush();
            fos.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        dirty = false;
    }

    private static FileChannel createPrivate(Path path) throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            return FileChannel.open(path, options,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            return FileChannel.open(path, options);
        }
    }

    private static void writeEntry(JsonGenerator gen, String path, CachedEntry e) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("p", path);
        gen.writeStringField("t", typeName(e.type()));
        gen.writeNumberField("m", e.mode());
        gen.writeNumberField("mt", e.mtimeNs());
        gen.writeNumberField("s", e.size());
        gen.writeNumberField("i", e.inode());
        if (e.packedChunks().length > 0) {
            gen.writeStringField("c", Base64.getEncoder().encodeToString(e.packedChunks()));
        }
        if (e.target() != null) {
            gen.writeStringField("l", e.target());
        }
        if (e.racy()) {
            gen.writeBooleanField("r", true);
        }
        gen.writeEndObject();
    }

    private void read() throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null) {
                return;
            }
            JsonNode h = Wire.mapper().readTree(header);
            if (!FORMAT.equals(h.path("format").asText()) || h.path("version").asInt() != VERSION) {
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
                    LOG.warnf("local state %s: line %d is damaged, ignoring it and what follows", file, lineNo);
                    dirty = true;
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
                CachedEntry entry = CachedEntry.of(m, n.path("i").asLong(), n.path("r").asBoolean(false));
                CachedEntry old = entries.put(path, entry);
                unindex(path, old);
                count(old, -1);
                count(entry, 1);
                index(path, entry);
            }
        }
        dirty = false;
    }

    private void count(CachedEntry e, int sign) {
        if (e != null && e.type() == EntryType.FILE) {
            fileCount += sign;
            byteCount += sign * e.size();
        }
    }

    static String typeName(EntryType type) {
        switch (type) {
            case FILE:
                return "file";
            case DIRECTORY:
                return "dir";
            default:
                return "symlink";
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

    /** path -> digest over the entries, without copying them, for {@link RootDigest#of}. */
    private final class DigestView extends AbstractMap<String, String> {
        @Override
        public String get(Object key) {
            CachedEntry e = entries.get(key);
            return e == null ? null : e.digest();
        }

        @Override
        public Set<String> keySet() {
            return entries.keySet();
        }

        @Override
        public Set<Map.Entry<String, String>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, String>> iterator() {
                    Iterator<Map.Entry<String, CachedEntry>> it = entries.entrySet().iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Map.Entry<String, String> next() {
                            Map.Entry<String, CachedEntry> e = it.next();
                            return Map.entry(e.getKey(), e.getValue().digest());
                        }
                    };
                }

                @Override
                public int size() {
                    return entries.size();
                }
            };
        }
    }
}
