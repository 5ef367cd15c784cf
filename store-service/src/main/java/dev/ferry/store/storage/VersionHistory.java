package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.h2.mvstore.type.StringDataType;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The kept versions of replaced, deleted and moved mirror entries (docs/STORAGE.md, "Version history"), in maps of
 * the {@link StateDatabase} committed with the index:
 * <ul>
 *   <li>{@code versions.records}: path + NUL + 16 hex digits of the version's number -> reason, from, to (epoch
 *   millis) and the entry's manifest ({@link ManifestCodec}); a path's versions are one range, oldest first, and
 *   everything below a folder is the range of {@code folder/};</li>
 *   <li>{@code versions.numbers}: version number -> path (numbers grow with time: oldest first, for retention);</li>
 *   <li>{@code versions.regions}: chunk hash + version number -> offset + length in the version's file;</li>
 *   <li>{@code index.since}: path -> when the current entry there was applied.</li>
 * </ul>
 * A kept file's bytes are the replaced mirror file itself, moved aside (hard link) to {@code .ferry/versions/<number>}
 * before it is replaced; its chunks count as held ({@link #regionsOf}), every read hashed. Thread-safe.
 */
public final class VersionHistory {
    private static final Logger LOG = Logger.getLogger(VersionHistory.class);

    /** Version files as region paths: a mirror region path never starts with {@code .ferry/}. */
    public static final String FILE_PREFIX = RelativePaths.STATE_DIR + "/versions/";
    private static final String NEXT = "versions.next";
    private static final String BYTES = "versions.bytes";
    private static final String PRUNED = "versions.pruned";
    private static final String HISTORY_START = "versions.historyStart";
    private static final int HEAD = 1 + 8 + 8;
    private static final int REGION_VALUE = 8 + 4;

    /** Why a version was kept. */
    public enum Reason {
        MODIFIED, DELETED, MOVED;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One kept version: {@code manifest} stood at {@code path} from {@code fromMillis} until {@code toMillis}. */
    public record Version(long number, String path, Reason reason, long fromMillis, long toMillis, Manifest manifest) {
        /** The region path of its file (files only). */
        public String file() {
            return fileName(number);
        }

        public long bytes() {
            return manifest.type() == EntryType.FILE ? manifest.size() : 0;
        }
    }

    private final MVMap<String, byte[]> records;
    private final MVMap<Long, String> numbers;
    private final MVMap<byte[], byte[]> regions;
    private final MVMap<String, Long> since;
    private final MVMap<String, Long> meta;
    private volatile boolean enabled;
    private volatile LongSupplier clock = System::currentTimeMillis;

    VersionHistory(StateDatabase db, MVMap<String, Long> meta) {
        this.records = db.map("versions.records", StringDataType.INSTANCE, ByteArrayDataType.INSTANCE);
        this.numbers = db.map("versions.numbers", LongDataType.INSTANCE, StringDataType.INSTANCE);
        this.regions = db.map("versions.regions", ByteArrayDataType.INSTANCE, ByteArrayDataType.INSTANCE);
        this.since = db.map("index.since", StringDataType.INSTANCE, LongDataType.INSTANCE);
        this.meta = meta;
        if (meta.get(HISTORY_START) == null) {
            meta.put(HISTORY_START, System.currentTimeMillis());
        }
    }

    /** Whether replaced and deleted entries are kept ({@code ferry.store.versions.keep}); off until switched on. */
    public boolean enabled() {
        return enabled;
    }

    public void enable(boolean on) {
        enabled = on;
    }

    /** For tests: the time source of {@code since}, {@code from} and {@code to}. */
    public void clockForTests(LongSupplier millis) {
        clock = millis;
    }

    public long now() {
        return clock.getAsLong();
    }

    /** When the entry at {@code path} was applied; for one applied before history existed, when it began. */
    public long since(String path) {
        Long s = since.get(path);
        return s != null ? s : meta.getOrDefault(HISTORY_START, 0L);
    }

    void applied(String path, long millis) {
        since.put(path, millis);
    }

    void forget(String path) {
        since.remove(path);
    }

    /** A fresh version number (its file name); numbers grow and are never reused. */
    public synchronized long nextNumber() {
        long n = meta.getOrDefault(NEXT, 1L);
        meta.put(NEXT, n + 1);
        return n;
    }

    /** Records a version (its file, for a file, already in place under its number). */
    public synchronized void record(long number, String path, Manifest m, Reason reason, long from, long to) {
        byte[] manifest = ManifestCodec.encode(m);
        byte[] value = ByteBuffer.allocate(HEAD + manifest.length).put((byte) reason.ordinal()).putLong(from)
                .putLong(to).put(manifest).array();
        records.put(key(path, number), value);
        numbers.put(number, path);
        if (m.type() == EntryType.FILE) {
            ManifestCodec.forEachChunk(manifest, (bytes, hashAt, offset, length) -> {
                byte[] k = ByteBuffer.allocate(ChunkHash.LENGTH + 8).put(bytes, hashAt, ChunkHash.LENGTH)
                        .putLong(number).array();
                regions.putIfAbsent(k, ByteBuffer.allocate(REGION_VALUE).putLong(offset).putInt(length).array());
            });
            meta.put(BYTES, bytes() + m.size());
        }
    }

    /** Forgets version {@code number} (record and regions); its file is the caller's to delete after the commit. */
    public synchronized Version drop(long number) {
        String path = numbers.remove(number);
        if (path == null) {
            return null;
        }
        byte[] value = records.remove(key(path, number));
        if (value == null) {
            return null;
        }
        Version v = decode(path, number, value);
        if (v.manifest().type() == EntryType.FILE) {
            for (var c : v.manifest().chunks()) {
                regions.remove(ByteBuffer.allocate(ChunkHash.LENGTH + 8).put(c.hash().toBytes()).putLong(number).array());
            }
            meta.put(BYTES, Math.max(0, bytes() - v.manifest().size()));
        }
        return v;
    }

    /** Counts versions removed by retention. */
    public synchronized void pruned(long n) {
        meta.put(PRUNED, pruned() + n);
    }

    public long pruned() {
        return meta.getOrDefault(PRUNED, 0L);
    }

    /** Bytes of the kept files (their sizes added up). */
    public long bytes() {
        return meta.getOrDefault(BYTES, 0L);
    }

    public long count() {
        return numbers.sizeAsLong();
    }

    /** The version {@code number}, or null. */
    public Version get(long number) {
        String path = numbers.get(number);
        byte[] value = path == null ? null : records.get(key(path, number));
        return value == null ? null : decode(path, number, value);
    }

    /** Version numbers oldest first, from the table as it is when the iteration starts. */
    public Iterator<Long> numbersOldestFirst() {
        Cursor<Long, String> c = numbers.cursor(null);
        return new CursorIterator<>(c, (k, v) -> k);
    }

    /** Version numbers from {@code first} on, oldest first. */
    public Iterator<Long> numbersFrom(long first) {
        return new CursorIterator<>(numbers.cursor(first), (k, v) -> k);
    }

    /**
     * The newest {@code limit} versions of the whole folder, newest first: a walk down the number map from its end
     * (numbers grow with time), so at most {@code limit} versions are on the heap whatever the history holds.
     */
    public List<Version> newest(int limit) {
        List<Version> out = new ArrayList<>(Math.min(limit, 64));
        Long n = numbers.lastKey();
        while (n != null && out.size() < limit) {
            Version v = get(n);
            if (v != null) {
                out.add(v);
            }
            n = numbers.lowerKey(n);
        }
        return out;
    }

    /** The versions of {@code path} alone, oldest first. */
    public List<Version> of(String path) {
        List<Version> out = new ArrayList<>();
        String prefix = path + '\0';
        Cursor<String, byte[]> c = records.cursor(prefix);
        while (c.hasNext()) {
            String k = c.next();
            if (!k.startsWith(prefix)) {
                break;
            }
            out.add(decode(path, Long.parseUnsignedLong(k.substring(prefix.length()), 16), c.getValue()));
        }
        return out;
    }

    /**
     * Every version of {@code path} (when {@code self}) and below it ({@code path} empty: all), in path order then
     * oldest first, read from the table as it is when the iteration starts: one page on the heap.
     */
    public Iterator<Version> under(String path, boolean self) {
        String below = path.isEmpty() ? "" : path + "/";
        String selfPrefix = path + '\0';
        Cursor<String, byte[]> c = records.cursor(self && !path.isEmpty() ? selfPrefix : below);
        return new LookaheadIterator<>() {
            @Override
            protected Version advance() {
                while (c.hasNext()) {
                    String k = c.next();
                    int nul = k.lastIndexOf('\0');
                    String p = k.substring(0, nul);
                    boolean mine = (self && p.equals(path)) || p.startsWith(below);
                    if (mine) {
                        return decode(p, Long.parseUnsignedLong(k.substring(nul + 1), 16), c.getValue());
                    }
                    if (k.compareTo(below) > 0 && !k.startsWith(below)) {
                        return null;
                    }
                }
                return null;
            }
        };
    }

    /** Regions of version files that hold {@code hash}, as region paths under {@link #FILE_PREFIX}. */
    List<MirrorRegions.Region> regionsOf(ChunkHash hash, int max) {
        List<MirrorRegions.Region> out = new ArrayList<>();
        if (max <= 0) {
            return out;
        }
        byte[] prefix = hash.toBytes();
        Cursor<byte[], byte[]> c = regions.cursor(prefix);
        while (out.size() < max && c.hasNext()) {
            byte[] k = c.next();
            if (k.length != ChunkHash.LENGTH + 8 || !Arrays.equals(k, 0, ChunkHash.LENGTH, prefix, 0, ChunkHash.LENGTH)) {
                break;
            }
            long number = ByteBuffer.wrap(k, ChunkHash.LENGTH, 8).getLong();
            ByteBuffer v = ByteBuffer.wrap(c.getValue());
            out.add(new MirrorRegions.Region(fileName(number), v.getLong(), v.getInt()));
        }
        return out;
    }

    /** The version number of a region path under {@link #FILE_PREFIX}, or -1 when it is not one. */
    public static long numberOf(String regionPath) {
        if (!regionPath.startsWith(FILE_PREFIX)) {
            return -1;
        }
        try {
            return Long.parseUnsignedLong(regionPath.substring(FILE_PREFIX.length()), 16);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The region path of version {@code number}'s file. */
    public static String fileName(long number) {
        return FILE_PREFIX + hex(number);
    }

    static String hex(long n) {
        return String.format(Locale.ROOT, "%016x", n);
    }

    /**
     * Matches the versions folder with the records after a start: a file no record names (a crash before its
     * record was committed, or after its record was dropped) is deleted, a file version whose file is gone is
     * dropped. Returns {files deleted, records dropped}.
     */
    public synchronized long[] reconcile(Path dir) throws IOException {
        long deleted = 0;
        long dropped = 0;
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
                for (Path f : files) {
                    long n;
                    try {
                        n = Long.parseUnsignedLong(f.getFileName().toString(), 16);
                    } catch (NumberFormatException e) {
                        n = -1;
                    }
                    Version v = n < 0 ? null : get(n);
                    if (v == null || v.manifest().type() != EntryType.FILE) {
                        StoreLayout.deleteTree(f);
                        deleted++;
                    }
                }
            }
        }
        Cursor<Long, String> c = numbers.cursor(null);
        while (c.hasNext()) {
            long n = c.next();
            Version v = get(n);
            if (v != null && v.manifest().type() == EntryType.FILE
                    && StoreLayout.attributes(dir.resolve(hex(n))) == null) {
                drop(n);
                dropped++;
            }
        }
        if (deleted + dropped > 0) {
            LOG.infof("Version history: deleted %d version files without a record, dropped %d records without a file",
                    deleted, dropped);
        }
        return new long[] {deleted, dropped};
    }

    private static String key(String path, long number) {
        return path + '\0' + hex(number);
    }

    private static Version decode(String path, long number, byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value);
        Reason reason = Reason.values()[b.get()];
        long from = b.getLong();
        long to = b.getLong();
        Manifest m = ManifestCodec.decode(path, Arrays.copyOfRange(value, HEAD, value.length));
        return new Version(number, path, reason, from, to, m);
    }
}
