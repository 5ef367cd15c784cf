package dev.ferry.store.storage;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.h2.mvstore.type.StringDataType;
import org.jboss.logging.Logger;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The applied mirror: path -> manifest of every entry materialized in DEST, kept in maps of the store's
 * {@link StateDatabase} (on disk, not on the heap) and made durable by {@link #flush()}, one commit for all the
 * maps. Besides the manifests it keeps each entry's digest, {@link #DAMAGED} for an entry whose file in DEST
 * differs from it and cannot be rebuilt (the entry stays, so the file is never swept away as foreign, but a
 * reconcile asks the watcher for it again), and the mirror regions of every chunk of an undamaged file
 * ({@link MirrorRegions}). Thread-safe. A failed commit makes {@link #flush()} fail until {@link #recover()}
 * committed: nothing is acknowledged meanwhile.
 *
 * <p>A store made by an older version holds its index as the JSON-lines journal {@code .ferry/index.log}
 * ({@link JournalLine}s): it is replayed into the maps at the first start (a torn last line is ignored), committed,
 * then deleted; a crash in between replays it again or just deletes it.
 */
@Singleton
public class MirrorIndex implements MirrorRegions, Closeable {
    private static final Logger LOG = Logger.getLogger(MirrorIndex.class);

    /** One line of the journal of older versions (read once, at the upgrade). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JournalLine(Manifest put, String del, String damaged) {
        public JournalLine(Manifest put, String del) {
            this(put, del, null);
        }
    }

    /** The digest of an entry marked {@link #markDamaged damaged}: equal to no manifest's digest. */
    public static final String DAMAGED = "damaged";

    private static final String FILE_BYTES = "fileBytes";
    private static final String JOURNAL_IMPORTED = "journalImported";
    private static final int REGION_VALUE = 8 + 4;
    private static final int IMPORT_COMMIT_LINES = 20_000;
    /**
     * How many regions the log takes before it is folded into {@link #regions}. A fold rewrites the folded map's
     * leaves once (their keys start with random hashes, so many regions touch nearly all of them); appending to the
     * log touches only its last leaves. The tail lookup costs 4 MiB of heap for this many, whatever the mirror's size.
     */
    static final int FOLD_AT = 100_000;

    private final StateDatabase db;
    private final boolean ownsDb;
    /** path -> {@link ManifestCodec} bytes. */
    private final MVMap<String, byte[]> manifests;
    /** path -> manifest digest, or {@link #DAMAGED}: what the root digest is computed from. */
    private final MVMap<String, String> digests;
    /** chunk hash + path (UTF-8) -> offset (8 bytes) + length (4 bytes): a prefix scan by hash finds regions. */
    private final MVMap<byte[], byte[]> regions;
    /**
     * The regions added since the last fold, in order: sequence number -> chunk hash (32 bytes) + offset (8) + length
     * (4) + path (UTF-8). Removed regions are removed from it; a fold moves the rest into {@link #regions}.
     */
    private final MVMap<Long, byte[]> regionLog;
    /** The log's entries by hash, on the heap (fixed size); rebuilt from the log at open. */
    private final RegionTail tail;
    private final int foldAt;
    private long nextSeq;
    /** {@link #FILE_BYTES}, {@link #JOURNAL_IMPORTED}. */
    private final MVMap<String, Long> meta;
    private String rootDigest;
    private volatile long fileBytes;
    private volatile boolean reconciled;
    /** Kept versions of replaced and deleted entries, and when each current entry was applied. */
    private final VersionHistory versions;

    @Inject
    public MirrorIndex(StoreLayout layout, StateDatabase db) throws IOException {
        this(db, false, layout.indexFile());
    }

    /** The index of {@code layout}'s store in a database of its own, closed with it (tools and tests). */
    public MirrorIndex(StoreLayout layout) throws IOException {
        this(StateDatabase.open(layout.stateDir().resolve(StateDatabase.FILE)), true, layout.indexFile());
    }

    /** The index in the database file {@code stateFile}, opened for it alone and closed with it (tools and tests). */
    public static MirrorIndex open(Path stateFile, Path journal) throws IOException {
        return new MirrorIndex(StateDatabase.open(stateFile), true, journal);
    }

    /** The index in {@code db}, importing the older versions' {@code journal} when it exists. */
    public MirrorIndex(StateDatabase db, Path journal) throws IOException {
        this(db, false, journal);
    }

    /** For tests: like {@link #open(Path, Path)}, folding the region log every {@code foldAt} regions. */
    static MirrorIndex open(Path stateFile, Path journal, int foldAt) throws IOException {
        return new MirrorIndex(StateDatabase.open(stateFile), true, journal, foldAt);
    }

    private MirrorIndex(StateDatabase db, boolean ownsDb, Path journal) throws IOException {
        this(db, ownsDb, journal, FOLD_AT);
    }

    private MirrorIndex(StateDatabase db, boolean ownsDb, Path journal, int foldAt) throws IOException {
        this.db = db;
        this.ownsDb = ownsDb;
        this.foldAt = foldAt;
        manifests = db.map("index.manifests", StringDataType.INSTANCE, ByteArrayDataType.INSTANCE);
        digests = db.map("index.digests", StringDataType.INSTANCE, StringDataType.INSTANCE);
        regions = db.map("index.regions", ByteArrayDataType.INSTANCE, ByteArrayDataType.INSTANCE);
        regionLog = db.map("index.region-log", LongDataType.INSTANCE, ByteArrayDataType.INSTANCE);
        meta = db.map("index.meta", StringDataType.INSTANCE, LongDataType.INSTANCE);
        fileBytes = meta.getOrDefault(FILE_BYTES, 0L);
        versions = new VersionHistory(db, meta);
        tail = new RegionTail(foldAt);
        rebuildTail();
        if (journal != null && Files.exists(journal)) {
            try {
                importJournal(journal);
            } catch (IOException | RuntimeException e) {
                if (ownsDb) {
                    db.close();
                }
                throw e;
            }
        }
    }

    /**
     * Replays the older versions' journal into the maps, commits, then deletes it. A crash before the last commit
     * leaves the maps without the {@link #JOURNAL_IMPORTED} mark (cleared and replayed again next time), after it the
     * mark says the file is only left to delete.
     */
    private void importJournal(Path journal) throws IOException {
        if (meta.get(JOURNAL_IMPORTED) == null) {
            manifests.clear();
            digests.clear();
            regions.clear();
            regionLog.clear();
            tail.clear();
            fileBytes = 0;
            int lines = 0;
            try (BufferedReader r = Files.newBufferedReader(journal, StandardCharsets.UTF_8)) {
                String line = r.readLine();
                while (line != null) {
                    String next = r.readLine();
                    lines++;
                    if (!line.isBlank()) {
                        replay(journal, line, lines, next == null);
                    }
                    if (lines % IMPORT_COMMIT_LINES == 0) {
                        db.commit(); // bounds the uncommitted pages on the heap; unmarked, so a crash replays again
                    }
                    line = next;
                }
            }
            meta.put(FILE_BYTES, fileBytes);
            meta.put(JOURNAL_IMPORTED, 1L);
            rootDigest = null;
            db.commit();
            LOG.infof("Imported the index journal %s (%d lines, %d entries) into %s", journal, lines, size(),
                    db.file());
        }
        Files.deleteIfExists(journal);
    }

    private void replay(Path journal, String line, int number, boolean last) {
        try {
            JournalLine j = Wire.mapper().readValue(line, JournalLine.class);
            if (j.put() != null && RelativePaths.isValid(j.put().path())) {
                apply(j.put());
            } else if (j.del() != null) {
                drop(j.del());
            } else if (j.damaged() != null) {
                damage(j.damaged());
            }
        } catch (IOException | RuntimeException e) {
            if (last) {
                LOG.infof("Ignoring the torn last line of %s", journal);
            } else {
                LOG.warnf("Skipping unreadable line %d of %s: %s", number, journal, e.getMessage());
            }
        }
    }

    public Manifest get(String path) {
        byte[] bytes = manifests.get(path);
        return bytes == null ? null : ManifestCodec.decode(path, bytes);
    }

    /** The manifest digest recorded for {@code path}, or null. */
    public String digestOf(String path) {
        return digests.get(path);
    }

    public int size() {
        return (int) Math.min(Integer.MAX_VALUE, manifests.sizeAsLong());
    }

    /** The sizes of every file entry added up: what the mirror holds before deduplication. */
    public long fileBytes() {
        return fileBytes;
    }

    /** True when some entry lies strictly below {@code path}. */
    public boolean hasBelow(String path) {
        String next = manifests.ceilingKey(path + "/");
        return next != null && next.startsWith(path + "/");
    }

    /**
     * Every manifest in path order (a parent before what lies below it), read from the index as it is when the
     * iteration starts: changes made while iterating do not show. Nothing is held on the heap but the current page.
     */
    public Iterable<Manifest> manifests() {
        return () -> new CursorIterator<>(manifests.cursor(null), ManifestCodec::decode);
    }

    /** The manifests below {@code path} (not itself; {@code ""}: all), in path order, as the index is now. */
    public Iterable<Manifest> below(String path) {
        String prefix = path.isEmpty() ? "" : path + "/";
        return () -> new LookaheadIterator<>() {
            private final Cursor<String, byte[]> c = manifests.cursor(prefix);

            @Override
            protected Manifest advance() {
                if (c.hasNext()) {
                    String p = c.next();
                    if (p.startsWith(prefix)) {
                        return ManifestCodec.decode(p, c.getValue());
                    }
                }
                return null;
            }
        };
    }

    /**
     * Every path with its digest in reverse path order (what lies below a folder before the folder), as the index is
     * when the iteration starts: changes made while iterating do not show.
     */
    public Iterable<Map.Entry<String, String>> digestsDescending() {
        return () -> new CursorIterator<>(digests.cursor(null, null, true), Map::entry);
    }

    /**
     * Records {@code m} as applied. A file or symlink has nothing below it, and nothing above an entry is anything
     * but a directory, so such stale entries go too.
     */
    public synchronized void put(Manifest m) throws IOException {
        dropNonDirectoriesAbove(m.path());
        if (m.type() != EntryType.DIRECTORY && hasBelow(m.path())) {
            drop(m.path());
        }
        apply(m);
        meta.put(FILE_BYTES, fileBytes);
    }

    /** Forgets {@code path} and everything below it. */
    public synchronized void remove(String path) throws IOException {
        if (drop(path)) {
            meta.put(FILE_BYTES, fileBytes);
        }
    }

    /**
     * Moves {@code from} and everything below it to {@code to}, replacing whatever was at {@code to}. A moved entry
     * keeps its encoded manifest and its digest (neither holds the path), and its damaged mark.
     */
    public synchronized void rebase(String from, String to) throws IOException {
        // Cursors read the maps as they are now (MVStore's maps are copy-on-write), so the removals below do not
        // disturb them and nothing is collected on the heap.
        byte[] self = manifests.get(from);
        String selfDigest = digests.get(from);
        Cursor<String, byte[]> below = manifests.cursor(from + "/");
        Cursor<String, String> belowDigests = digests.cursor(from + "/");
        drop(from);
        drop(to);
        dropNonDirectoriesAbove(to);
        if (self != null) {
            place(to, self, selfDigest);
        }
        String prefix = from + "/";
        while (below.hasNext()) {
            String path = below.next();
            if (!path.startsWith(prefix)) {
                break;
            }
            belowDigests.next();
            place(RelativePaths.rebase(path, from, to), below.getValue(), belowDigests.getValue());
        }
        rootDigest = null;
        meta.put(FILE_BYTES, fileBytes);
    }

    /** Records an encoded manifest at a free {@code path}, with its digest (regions unless damaged). */
    private void place(String path, byte[] manifest, String digest) {
        manifests.put(path, manifest);
        digests.put(path, digest);
        versions.applied(path, versions.now()); // it stands at its new path from now on
        if (!DAMAGED.equals(digest)) {
            addRegions(path, manifest);
        }
        fileBytes += bytesOf(manifest);
    }

    /** Nothing above an entry is anything but a directory: drops the files and symlinks above {@code path}. */
    private void dropNonDirectoriesAbove(String path) {
        String parent = RelativePaths.parent(path);
        while (parent != null) {
            byte[] above = manifests.get(parent);
            if (above != null && above[1] != EntryType.DIRECTORY.ordinal()) {
                drop(parent);
            }
            parent = RelativePaths.parent(parent);
        }
    }

    /** The root digest over every applied entry, as {@link dev.ferry.protocol.RootDigest#of} computes it. */
    public synchronized String rootDigest() {
        if (rootDigest == null) {
            MessageDigest md = ChunkHash.newDigest();
            Cursor<String, String> c = digests.cursor(null);
            while (c.hasNext()) {
                md.update(c.next().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(c.getValue().getBytes(StandardCharsets.US_ASCII));
                md.update((byte) '\n');
            }
            rootDigest = HexFormat.of().formatHex(md.digest());
        }
        return rootDigest;
    }

    /**
     * Keeps the entry at {@code path} but gives it the digest {@link #DAMAGED} and drops its regions: what DEST
     * holds there differs from it and cannot be rebuilt (its chunks are gone), so the next reconcile asks the
     * watcher for it. False when there is no such entry.
     */
    public synchronized boolean markDamaged(String path) throws IOException {
        long version = VersionHistory.numberOf(path);
        if (version >= 0) {
            // A kept version's file changed: it is of no use any more (its file goes at the next start).
            return versions.drop(version) != null;
        }
        return damage(path);
    }

    /** True when the entry at {@code path} is {@link #markDamaged marked damaged}. */
    public boolean damaged(String path) {
        return DAMAGED.equals(digests.get(path));
    }

    /**
     * The regions of {@code hash}, in path order: those of the log's tail and those already folded (a path in both,
     * after a crash inside a fold, counts once).
     */
    @Override
    public synchronized List<Region> regionsOf(ChunkHash hash, int max) {
        byte[] prefix = hash.toBytes();
        TreeMap<String, Region> found = new TreeMap<>();
        tail.forEach(tailKey(prefix, 0), seq -> {
            byte[] v = regionLog.get(seq);
            if (v != null && Arrays.equals(v, 0, ChunkHash.LENGTH, prefix, 0, ChunkHash.LENGTH)) {
                Region r = logRegion(v);
                found.put(r.path(), r);
            }
        });
        int tailCount = found.size();
        Cursor<byte[], byte[]> c = regions.cursor(prefix);
        int folded = 0;
        while (folded < max + tailCount && c.hasNext()) {
            byte[] key = c.next();
            if (key.length < prefix.length || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
                break;
            }
            ByteBuffer v = ByteBuffer.wrap(c.getValue());
            String path = new String(key, prefix.length, key.length - prefix.length, StandardCharsets.UTF_8);
            found.putIfAbsent(path, new Region(path, v.getLong(), v.getInt()));
            folded++;
        }
        List<Region> out = new ArrayList<>(Math.min(max, found.size()));
        for (Region r : found.values()) {
            if (out.size() >= max) {
                break;
            }
            out.add(r);
        }
        if (out.size() < max) {
            // After the mirror's own: the files of kept versions (region paths under .ferry/versions/).
            out.addAll(versions.regionsOf(hash, max - out.size()));
        }
        return out;
    }

    /** The kept versions of replaced and deleted entries (in this index's database, committed with it). */
    public VersionHistory versions() {
        return versions;
    }

    /** Whether a watcher has completed a reconcile with this index since start. */
    public boolean reconciled() {
        return reconciled;
    }

    public void markReconciled() {
        reconciled = true;
    }

    /**
     * Commits every change to the database and forces it to the disk. Throws while the database is failed (a commit
     * failed since the last {@link #recover()}): what it holds on disk is then unknown.
     */
    public synchronized void flush() throws IOException {
        db.commit();
    }

    /** Why the last commit failed, or null when the database is healthy. */
    public String failure() {
        return db.failure();
    }

    /**
     * Commits again after a failed commit: the changes since the last good commit are still in memory (an entry is
     * recorded only after it is applied to DEST, so they are what DEST holds). Nothing to do when healthy; throws,
     * leaving it failed, when that commit fails too.
     */
    public synchronized void recover() throws IOException {
        if (db.failure() == null) {
            return;
        }
        String why = db.failure();
        db.recover();
        LOG.infof("Committed the index to %s after its failure (%s): %d entries", db.file(), why, size());
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            recover();
            fold();
            flush();
        } finally {
            if (ownsDb) {
                db.close();
            }
        }
    }

    private void apply(Manifest m) {
        byte[] bytes = ManifestCodec.encode(m);
        byte[] old = manifests.put(m.path(), bytes);
        if (old == null || !sameVersion(old, bytes)) {
            versions.applied(m.path(), versions.now());
        }
        if (old != null) {
            dropRegions(m.path(), old);
            fileBytes -= bytesOf(old);
        }
        digests.put(m.path(), m.digest());
        addRegions(m.path(), bytes);
        fileBytes += m.type() == EntryType.FILE ? m.size() : 0;
        rootDigest = null;
    }

    private boolean damage(String path) {
        byte[] bytes = manifests.get(path);
        if (bytes == null || DAMAGED.equals(digests.get(path))) {
            return false;
        }
        digests.put(path, DAMAGED);
        dropRegions(path, bytes);
        rootDigest = null;
        return true;
    }

    private boolean drop(String path) {
        boolean any = dropOne(path);
        String prefix = path + "/";
        Cursor<String, byte[]> c = manifests.cursor(prefix); // a snapshot: removing while iterating is safe
        while (c.hasNext()) {
            String below = c.next();
            if (!below.startsWith(prefix)) {
                break;
            }
            any |= dropOne(below);
        }
        if (any) {
            rootDigest = null;
        }
        return any;
    }

    private boolean dropOne(String path) {
        byte[] old = manifests.remove(path);
        if (old == null) {
            return false;
        }
        digests.remove(path);
        versions.forget(path);
        dropRegions(path, old);
        fileBytes -= bytesOf(old);
        return true;
    }

    /**
     * True when two encoded manifests differ at most in mode and mtime: the same type, size, chunks and link
     * target (a metadata-only change of a file or link keeps no version and keeps its {@code since}).
     */
    static boolean sameContent(byte[] a, byte[] b) {
        int meta = 1 + 1 + 4 + 8; // version, type, mode, mtime
        return a[1] == b[1] && Arrays.equals(a, meta, a.length, b, meta, b.length);
    }

    /**
     * True when replacing {@code a} by {@code b} keeps no version: a file or link with {@link #sameContent}, or the
     * very same folder. A folder is nothing but its mode and mtime, so a change of either is a version of it: without
     * one, a tree restored as of an earlier moment would get the folders' later times.
     */
    static boolean sameVersion(byte[] a, byte[] b) {
        return a[1] == EntryType.DIRECTORY.ordinal() ? Arrays.equals(a, b) : sameContent(a, b);
    }

    /** {@link #sameVersion} of two manifests. */
    public static boolean sameVersion(Manifest a, Manifest b) {
        return sameVersion(ManifestCodec.encode(a), ManifestCodec.encode(b));
    }

    /** Appends the regions of a file's chunks to the log (the first offset of a chunk the file repeats). */
    private void addRegions(String path, byte[] manifest) {
        if (manifest[1] != EntryType.FILE.ordinal()) {
            return;
        }
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        ManifestCodec.forEachChunk(manifest, (bytes, hashAt, offset, length) -> {
            if (tailSeq(bytes, hashAt, pathBytes) < 0) {
                append(ByteBuffer.allocate(ChunkHash.LENGTH + REGION_VALUE + pathBytes.length)
                        .put(bytes, hashAt, ChunkHash.LENGTH).putLong(offset).putInt(length).put(pathBytes).array());
            }
        });
    }

    private void append(byte[] entry) {
        long seq = nextSeq++;
        regionLog.put(seq, entry);
        tail.add(tailKey(entry, 0), seq);
        if (tail.added() >= foldAt) {
            fold();
        }
    }

    /** Removes a file's regions, from the log's tail or from the folded map (a removal touches one leaf). */
    private void dropRegions(String path, byte[] manifest) {
        if (manifest[1] != EntryType.FILE.ordinal()) {
            return;
        }
        byte[] pathBytes = path.getBytes(StandardCharsets.UTF_8);
        ManifestCodec.forEachChunk(manifest, (bytes, hashAt, offset, length) -> {
            long seq = tailSeq(bytes, hashAt, pathBytes);
            if (seq >= 0) {
                regionLog.remove(seq);
                tail.remove(tailKey(bytes, hashAt), seq);
            }
            regions.remove(regionKey(bytes, hashAt, pathBytes)); // also after a crash inside a fold left both
        });
    }

    /** The log sequence number of the region of the chunk at {@code hashAt} of {@code path}, or -1. */
    private long tailSeq(byte[] bytes, int hashAt, byte[] pathBytes) {
        long[] found = {-1};
        tail.forEach(tailKey(bytes, hashAt), seq -> {
            byte[] v = regionLog.get(seq);
            if (found[0] < 0 && v != null
                    && Arrays.equals(v, 0, ChunkHash.LENGTH, bytes, hashAt, hashAt + ChunkHash.LENGTH)
                    && Arrays.equals(v, ChunkHash.LENGTH + REGION_VALUE, v.length, pathBytes, 0, pathBytes.length)) {
                found[0] = seq;
            }
        });
        return found[0];
    }

    /**
     * Moves the log's regions into the folded map, in hash order (each leaf is changed once), then clears the log.
     * It joins the next commit; a crash after part of it reached the disk (MVStore also writes on its own when its
     * unsaved pages grow) leaves regions in both maps with the same key and value: harmless, the log wins at open.
     */
    private void fold() {
        if (tail.added() == 0 && regionLog.isEmpty()) {
            return;
        }
        for (long seq : tail.seqsInKeyOrder()) {
            byte[] v = regionLog.get(seq);
            if (v != null) {
                foldOne(v);
            }
        }
        regionLog.clear();
        tail.clear();
    }

    /** Puts one log entry into the folded map: key hash + path, value offset + length. */
    private void foldOne(byte[] v) {
        byte[] key = new byte[v.length - REGION_VALUE];
        System.arraycopy(v, 0, key, 0, ChunkHash.LENGTH);
        System.arraycopy(v, ChunkHash.LENGTH + REGION_VALUE, key, ChunkHash.LENGTH,
                v.length - ChunkHash.LENGTH - REGION_VALUE);
        regions.put(key, Arrays.copyOfRange(v, ChunkHash.LENGTH, ChunkHash.LENGTH + REGION_VALUE));
    }

    /**
     * Rebuilds the tail lookup from the log at open. A log longer than the lookup holds (written with a larger
     * {@code foldAt}) is folded at once, in log order.
     */
    private void rebuildTail() {
        Long last = regionLog.lastKey();
        nextSeq = last == null ? 0 : last + 1;
        boolean fits = regionLog.sizeAsLong() < foldAt;
        Cursor<Long, byte[]> c = regionLog.cursor(null);
        while (c.hasNext()) {
            long seq = c.next();
            if (fits) {
                tail.add(tailKey(c.getValue(), 0), seq);
            } else {
                foldOne(c.getValue());
            }
        }
        if (!fits) {
            regionLog.clear();
        }
    }

    private static Region logRegion(byte[] v) {
        ByteBuffer b = ByteBuffer.wrap(v, ChunkHash.LENGTH, REGION_VALUE);
        long offset = b.getLong();
        int length = b.getInt();
        String path = new String(v, ChunkHash.LENGTH + REGION_VALUE, v.length - ChunkHash.LENGTH - REGION_VALUE,
                StandardCharsets.UTF_8);
        return new Region(path, offset, length);
    }

    /** The tail's key of the hash at {@code hashAt}: its first 8 bytes. */
    private static long tailKey(byte[] bytes, int hashAt) {
        return ByteBuffer.wrap(bytes, hashAt, 8).getLong();
    }

    private static byte[] regionKey(byte[] manifest, int hashAt, byte[] path) {
        byte[] key = new byte[ChunkHash.LENGTH + path.length];
        System.arraycopy(manifest, hashAt, key, 0, ChunkHash.LENGTH);
        System.arraycopy(path, 0, key, ChunkHash.LENGTH, path.length);
        return key;
    }

    private static long bytesOf(byte[] manifest) {
        return manifest[1] == EntryType.FILE.ordinal() ? ByteBuffer.wrap(manifest).getLong(1 + 1 + 4 + 8) : 0;
    }
}
