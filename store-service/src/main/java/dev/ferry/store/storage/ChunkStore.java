package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.storage.pack.PackRepacker;
import dev.ferry.store.storage.pack.PackStore;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where verified bytes of each chunk live, each chunk kept once (docs/STORAGE.md): a region of an applied mirror
 * file ({@link MirrorRegions}, from the index's manifests) or, for chunks no mirror file holds, a pack record
 * ({@link PackStore}) whose location is in the {@code chunk-locations} map of the {@link StateDatabase}. Every read
 * hashes the bytes: a changed region makes its file damaged, a bad pack record loses its location, and the chunk is
 * reported missing (asked for again), never used.
 *
 * <p>Durability: new locations are held in memory ({@code staged}) until {@link #flush()} has synced the packs,
 * so a committed location always points at durable bytes; {@link #flush()} then commits the database (with the
 * index entries that made pack records dead) and only after that deletes packs with nothing live. A crash before
 * a flush loses the staged locations (their chunks are asked for again; the orphan pack is deleted at start).
 * Thread-safe.
 */
@Singleton
public class ChunkStore {
    private static final Logger LOG = Logger.getLogger(ChunkStore.class);
    static final String LOCATIONS = "chunk-locations";
    static final String PACK_LIVE = "pack-live";
    /** Staged locations past this many are flushed on the put path (about 256 MiB of 64 KiB chunks). */
    static final int STAGED_FLUSH = 4096;

    /** What {@link #put} did. */
    public enum Stored { STORED, PRESENT }

    /** Marks an applied file damaged: one of its regions no longer hashes right. */
    @FunctionalInterface
    public interface DamageSink {
        void damaged(String path) throws IOException;
    }

    /** Free bytes kept for the state database's commits when uploads fill the disk. */
    static final long STATE_RESERVE = 2L << 20;

    private final Path root;
    private final StateDatabase db;
    private final PackStore packs;
    private final MirrorRegions regions;
    private final DamageSink damage;
    private final int maxChunk;
    private final MVMap<byte[], ChunkLocation> locations;
    private final MVMap<Long, Long> packLive;
    /** Locations appended since the last flush (their packs not yet synced); bounded by {@link #STAGED_FLUSH}. */
    private final Map<ChunkHash, ChunkLocation> staged = new HashMap<>();
    /** Packs whose live bytes fell to zero: deleted after the next commit. */
    private final Set<Long> emptied = new HashSet<>();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    /** The file system of the state database, asked for free space before each pack append. */
    private final FileStore stateDisk;
    /** While a garbage collection runs: every chunk looked up, read or stored meanwhile (it may be needed). */
    private volatile Set<ChunkHash> accessed;
    /** Files being built whose uploads go straight into them rather than into a pack. */
    private final PartFiles parts = new PartFiles(this::keep);
    /** The other folders of the store, asked when this one lacks a chunk ({@link ChunkPeers}). */
    private volatile ChunkPeers peers = ChunkPeers.NONE;

    @Inject
    public ChunkStore(StoreLayout layout, StateDatabase db, PackStore packs, MirrorRegions regions, MirrorIndex index)
            throws IOException {
        this(layout.dest(), db, packs, regions, index::markDamaged, ChunkerParams.DEFAULT.maxSize());
        ChunkFilesImport.run(layout.chunksDir(), this);
    }

    public ChunkStore(Path root, StateDatabase db, PackStore packs, MirrorRegions regions, DamageSink damage,
                      int maxChunk) throws IOException {
        this.root = root;
        this.db = db;
        this.packs = packs;
        this.regions = regions;
        this.damage = damage;
        this.maxChunk = maxChunk;
        this.locations = db.map(LOCATIONS, ByteArrayDataType.INSTANCE, ChunkLocation.Type.INSTANCE);
        this.packLive = db.map(PACK_LIVE, LongDataType.INSTANCE, LongDataType.INSTANCE);
        this.stateDisk = Files.getFileStore(db.file().toAbsolutePath().getParent());
        long live = 0;
        for (Long b : packLive.values()) {
            live += b;
        }
        bytes.set(live);
        dropOrphanPacks();
    }

    /** Packs no committed location points into (a crash before their locations were committed) are deleted. */
    private void dropOrphanPacks() throws IOException {
        for (PackStore.PackInfo p : packs.packs()) {
            Long live = packLive.get(p.pack());
            if (live == null || live <= 0) {
                packLive.remove(p.pack());
                packs.delete(p.pack());
                LOG.debugf("Deleted pack %d: nothing live in it", p.pack());
            }
        }
    }

    /** The largest chunk accepted. */
    public int maxChunk() {
        return maxChunk;
    }

    /**
     * True when a region, a pack or a file being built holds the chunk (not yet verified: a read may still find it
     * changed, or the file being built may be dropped before it is read: then the chunk is asked for again).
     */
    public boolean has(ChunkHash hash) {
        noteAccess(hash);
        return locate(hash) != null || parts.holds(hash) || !regions.regionsOf(hash, 1).isEmpty() || peers.holds(hash);
    }

    /** Sets the other folders of the store, whose chunks count as held here and are read when this one lacks them. */
    public void peers(ChunkPeers others) {
        peers = others;
    }

    /** For another folder ({@link ChunkPeers#holds}): true when a region or a pack of this folder holds the chunk. */
    public boolean holdsForPeer(ChunkHash hash) {
        noteAccess(hash);
        return locate(hash) != null || !regions.regionsOf(hash, 1).isEmpty();
    }

    /**
     * For another folder ({@link ChunkPeers#read}): the chunk from a region or a pack of this folder, verified; -1
     * when neither holds it intact. Changes nothing here: a region that no longer matches is this folder's auditor's
     * to find, a bad pack record its verifier's.
     */
    public int readForPeer(ChunkHash hash, byte[] buf) throws IOException {
        noteAccess(hash);
        for (MirrorRegions.Region r : regions.regionsOf(hash, 4)) {
            int n = readRegion(r, buf);
            if (n > 0 && ChunkHash.compute(buf, 0, n).equals(hash)) {
                return n;
            }
        }
        ChunkLocation loc = locate(hash);
        if (loc == null || loc.length() > buf.length) {
            return -1;
        }
        int n = packs.read(loc.location(), buf);
        return n == loc.length() && ChunkHash.compute(buf, 0, n).equals(hash) ? n : -1;
    }

    /** The files being built, which take the uploads they want. */
    public PartFiles parts() {
        return parts;
    }

    /** The chunk's pack location, or null when no pack holds it (for the verifier and tests). */
    public ChunkLocation locationOf(ChunkHash hash) {
        return locate(hash);
    }

    /** Sets a pack-held chunk's last-stored time (tests make a chunk old enough to collect); false when none. */
    public synchronized boolean backdateForTests(ChunkHash hash, long millis) {
        ChunkLocation s = staged.get(hash);
        if (s != null) {
            staged.put(hash, s.touched(millis));
            return true;
        }
        ChunkLocation l = locations.get(hash.toBytes());
        if (l != null) {
            locations.put(hash.toBytes(), l.touched(millis));
        }
        return l != null;
    }

    /** True when a pack holds the chunk (whatever the mirror holds). */
    public boolean inPack(ChunkHash hash) {
        return locate(hash) != null;
    }

    private synchronized ChunkLocation locate(ChunkHash hash) {
        ChunkLocation s = staged.get(hash);
        return s != null ? s : locations.get(hash.toBytes());
    }

    /**
     * Starts (a set) or ends (null) recording which chunks are looked up, read or stored: a collection never
     * deletes a chunk recorded since its mark, whoever turns out to need it.
     */
    public void recordAccess(Set<ChunkHash> into) {
        accessed = into;
    }

    /** True when the chunk was looked up, read or stored since {@link #recordAccess} began. */
    public boolean accessedSinceMark(ChunkHash hash) {
        Set<ChunkHash> a = accessed;
        return a != null && a.contains(hash);
    }

    private void noteAccess(ChunkHash hash) {
        Set<ChunkHash> a = accessed;
        if (a != null) {
            a.add(hash);
        }
    }

    /**
     * Keeps {@code len} bytes of {@code buf} under {@code expected} after checking (once) that they hash to it:
     * written into every file being built that wants it ({@link PartFiles}), else appended to a pack unless a pack,
     * a mirror region or a file being built holds it already.
     *
     * @throws HashMismatchException when they do not (nothing is stored)
     */
    public Stored put(ChunkHash expected, byte[] buf, int off, int len) throws IOException {
        if (len <= 0 || len > maxChunk) {
            throw new TooLargeException("chunk of " + len + " bytes outside 1.." + maxChunk);
        }
        ChunkHash actual = ChunkHash.compute(buf, off, len);
        if (!actual.equals(expected)) {
            throw new HashMismatchException("bytes hash to " + actual.hex() + ", not " + expected.hex());
        }
        noteAccess(expected);
        if (parts.wants(expected)) {
            // Files being built share the disk with the state database too: the same reserve holds.
            requireReserve(len);
            if (parts.offer(expected, buf, off, len)) {
                return Stored.STORED;
            }
        }
        return putVerified(expected, buf, off, len);
    }

    /**
     * Keeps a chunk a dropped part file held: verified again (read back from disk), then into another file being
     * built that wants it, else a pack, unless a pack or a region holds it.
     */
    private void keep(ChunkHash hash, byte[] buf, int len) throws IOException {
        if (!ChunkHash.compute(buf, 0, len).equals(hash)) {
            return;
        }
        if (parts.wants(hash) && parts.offer(hash, buf, 0, len)) {
            return;
        }
        putVerified(hash, buf, 0, len, false);
    }

    /** {@link #put} of bytes already verified, into a pack (or nowhere, when the store holds them already). */
    private Stored putVerified(ChunkHash expected, byte[] buf, int off, int len) throws IOException {
        return putVerified(expected, buf, off, len, true);
    }

    /** {@link #putVerified}; {@code partsCount}: a chunk a file being built holds counts as held (not when it is dropped). */
    private Stored putVerified(ChunkHash expected, byte[] buf, int off, int len, boolean partsCount) throws IOException {
        long now = System.currentTimeMillis();
        boolean flush;
        synchronized (this) {
            ChunkLocation s = staged.get(expected);
            if (s != null) {
                staged.put(expected, s.touched(now));
                return Stored.PRESENT;
            }
            byte[] key = expected.toBytes();
            ChunkLocation had = locations.get(key);
            if (had != null) {
                // Uploaded again: a manifest will want it, so its age for garbage collection restarts.
                locations.put(key, had.touched(now));
                return Stored.PRESENT;
            }
            if ((partsCount && parts.holds(expected)) || !regions.regionsOf(expected, 1).isEmpty()) {
                return Stored.PRESENT;
            }
            requireReserve(len);
            PackStore.Location l = packs.append(expected, buf, off, len);
            staged.put(expected, ChunkLocation.of(l, now));
            bytes.addAndGet(len);
            flush = staged.size() >= STAGED_FLUSH;
        }
        if (flush) {
            flush();
        }
        return Stored.STORED;
    }

    private void requireReserve(int len) throws IOException {
        if (stateDisk.getUsableSpace() < STATE_RESERVE + len) {
            // Packs share the disk with the state database: an MVStore write that fails closes it until a
            // restart, which would stop renames and deletes too. Uploads stop first (mapped to disk-full).
            throw new IOException("No space left on device: fewer than " + (STATE_RESERVE >> 20)
                    + " MiB free on the store's disk, kept for its state database");
        }
    }

    /**
     * Reads the chunk into {@code buf} and verifies its hash: from a mirror region first, else from its pack.
     *
     * @return its length, or -1 when neither holds it intact (a changed region makes its file damaged, a bad pack
     * record loses its location; both are counted)
     */
    public int read(ChunkHash hash, byte[] buf) throws IOException {
        noteAccess(hash);
        for (MirrorRegions.Region r : regions.regionsOf(hash, 4)) {
            int n = readRegion(r, buf);
            if (n > 0 && ChunkHash.compute(buf, 0, n).equals(hash)) {
                return n;
            }
            regionChanged(r, hash);
        }
        return readFromPack(hash, buf);
    }

    /**
     * Like {@link #read} from the chunk's pack record only (its regions were tried already); when this folder's
     * store lacks it, from another folder's ({@link ChunkPeers}).
     */
    public int readFromPack(ChunkHash hash, byte[] buf) throws IOException {
        int n = readOwnPack(hash, buf);
        return n >= 0 ? n : peers.read(hash, buf);
    }

    private int readOwnPack(ChunkHash hash, byte[] buf) throws IOException {
        noteAccess(hash);
        for (int attempt = 0; attempt < 2; attempt++) {
            ChunkLocation loc = locate(hash);
            if (loc == null || loc.length() > buf.length) {
                return -1;
            }
            int n = packs.read(loc.location(), buf);
            if (n == loc.length() && ChunkHash.compute(buf, 0, n).equals(hash)) {
                return n;
            }
            // A repack may have moved it meanwhile: only a location that still stands is bad.
            if (dropIfStill(hash, loc)) {
                corrupt.incrementAndGet();
                LOG.warnf("Chunk %s is corrupt in pack %d (%s): dropped, it will be requested again", hash.hex(),
                        loc.pack(), n < 0 ? "record gone or short" : "content hashes to another value");
                return -1;
            }
        }
        return -1;
    }

    /**
     * Reads region {@code r} of a mirror file into a direct buffer ({@code buf}, cleared) and verifies it, for
     * writing straight to a file; false (the region's file marked damaged, counted) when it does not hash to
     * {@code hash}.
     */
    public boolean readRegion(MirrorRegions.Region r, ChunkHash hash, ByteBuffer buf) throws IOException {
        noteAccess(hash);
        buf.clear().limit(r.length());
        boolean ok = false;
        try (FileChannel ch = openRegionFile(r)) {
            if (ch != null) {
                long at = r.offset();
                while (buf.hasRemaining()) {
                    int n = ch.read(buf, at);
                    if (n < 0) {
                        break;
                    }
                    at += n;
                }
                ok = !buf.hasRemaining();
            }
        }
        buf.flip();
        if (ok) {
            java.security.MessageDigest md = ChunkHash.newDigest();
            md.update(buf.duplicate());
            ok = ChunkHash.finish(md).equals(hash);
        }
        if (!ok) {
            regionChanged(r, hash);
        }
        return ok;
    }

    /** Regions of applied files that hold {@code hash}, for callers that copy them without the heap. */
    public List<MirrorRegions.Region> regionsOf(ChunkHash hash, int max) {
        return regions.regionsOf(hash, max);
    }

    private void regionChanged(MirrorRegions.Region r, ChunkHash hash) throws IOException {
        corrupt.incrementAndGet();
        LOG.warnf("%s changed in DEST (chunk %s at %d no longer matches): marked damaged, it will be sent again",
                dev.ferry.protocol.RelativePaths.printable(r.path()), hash.hex(), r.offset());
        damage.damaged(r.path());
    }

    private int readRegion(MirrorRegions.Region r, byte[] buf) throws IOException {
        if (r.length() > buf.length) {
            return -1;
        }
        try (FileChannel ch = openRegionFile(r)) {
            if (ch == null) {
                return -1;
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, r.length());
            long at = r.offset();
            while (bb.hasRemaining()) {
                int n = ch.read(bb, at);
                if (n < 0) {
                    return -1;
                }
                at += n;
            }
            return r.length();
        }
    }

    /** The mirror file of a region, opened without following a link at its name; null when it is gone. */
    FileChannel openRegionFile(MirrorRegions.Region r) throws IOException {
        try {
            return FileChannel.open(FileNames.resolve(root, r.path()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            // Gone, or a link now (not followed): the region is not there.
            return null;
        }
    }

    /** The raw bytes of a pack record (not verified: for the verifier, which hashes them itself); -1 when gone. */
    public int readPacked(ChunkLocation loc, byte[] buf) throws IOException {
        return loc.length() > buf.length ? -1 : packs.read(loc.location(), buf);
    }

    private synchronized boolean dropIfStill(ChunkHash hash, ChunkLocation loc) {
        ChunkLocation now = locate(hash);
        if (now == null || now.pack() != loc.pack() || now.offset() != loc.offset()) {
            return false;
        }
        drop(hash);
        return true;
    }

    private void addLive(long pack, int len) {
        Long had = packLive.get(pack);
        packLive.put(pack, (had == null ? 0 : had) + len);
    }

    /** Removes the chunk's pack location (staged or committed); its length, or -1 when it had none. */
    private synchronized long drop(ChunkHash hash) {
        ChunkLocation loc = staged.remove(hash);
        if (loc != null) {
            // Not counted live yet: the flush deletes its pack when nothing else there is.
            emptied.add(loc.pack());
            bytes.addAndGet(-loc.length());
            return loc.length();
        }
        loc = locations.remove(hash.toBytes());
        if (loc == null) {
            return -1;
        }
        Long had = packLive.get(loc.pack());
        long left = had == null ? 0 : had - loc.length();
        if (left <= 0) {
            packLive.remove(loc.pack());
            emptied.add(loc.pack());
        } else {
            packLive.put(loc.pack(), left);
        }
        bytes.addAndGet(-loc.length());
        return loc.length();
    }

    /**
     * The file {@code m} was just recorded in the index: each of its chunks that a mirror region now holds loses
     * its pack location (that record is dead). Committed with the index entry by the next {@link #flush()}.
     */
    public void release(Manifest m) {
        if (m == null || m.type() != EntryType.FILE) {
            return;
        }
        for (ChunkRef c : m.chunks()) {
            if (inPack(c.hash()) && !regions.regionsOf(c.hash(), 1).isEmpty()) {
                drop(c.hash());
            }
        }
    }

    /** Deletes a chunk's pack location (garbage collection); its length, or -1 when it had none. */
    public long delete(ChunkHash hash) {
        return drop(hash);
    }

    /**
     * Makes everything so far durable, in the order that keeps a crash safe: packs synced, their staged locations
     * entered, the database committed (with whatever the index changed), then packs with nothing live deleted.
     */
    public synchronized void flush() throws IOException {
        packs.sync();
        for (Map.Entry<ChunkHash, ChunkLocation> e : staged.entrySet()) {
            locations.put(e.getKey().toBytes(), e.getValue());
            addLive(e.getValue().pack(), e.getValue().length());
        }
        staged.clear();
        db.commit();
        // Under the lock: no put may append to a pack between the check that it is empty and its deletion.
        for (long pack : emptied) {
            if (!packLive.containsKey(pack)) {
                packs.delete(pack);
            }
        }
        emptied.clear();
    }

    /** The chunks in packs whose hash starts with byte {@code fan} ({@code 0..255}), with their locations. */
    public synchronized List<Map.Entry<ChunkHash, ChunkLocation>> fan(int fan) {
        List<Map.Entry<ChunkHash, ChunkLocation>> out = new ArrayList<>();
        byte[] from = new byte[ChunkHash.LENGTH];
        from[0] = (byte) fan;
        Cursor<byte[], ChunkLocation> c = locations.cursor(from);
        while (c.hasNext()) {
            byte[] k = c.next();
            if ((k[0] & 0xff) != fan) {
                break;
            }
            out.add(Map.entry(ChunkHash.of(k), c.getValue()));
        }
        for (Map.Entry<ChunkHash, ChunkLocation> e : staged.entrySet()) {
            if ((e.getKey().toBytes()[0] & 0xff) == fan) {
                out.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /**
     * Copies the live records of every pack whose dead share is above {@code deadShare} (0..1) into the pack being
     * filled, commits their new locations, then deletes the old pack. Each record is verified on the way (a bad
     * one loses its location). Returns the bytes of the packs deleted.
     */
    public long repack(double deadShare) throws IOException {
        long freed = 0;
        List<PackStore.PackInfo> all = packs.packs();
        long newest = -1;
        for (PackStore.PackInfo p : all) {
            newest = Math.max(newest, p.pack());
        }
        for (PackStore.PackInfo p : all) {
            Long live = packLive.get(p.pack());
            // The newest pack may be the one being filled: it is left alone.
            if (p.pack() == newest || live == null || p.bytes() == 0 || 1.0 - (double) live / p.bytes() <= deadShare) {
                continue;
            }
            freed += repackOne(p);
        }
        return freed;
    }

    private long repackOne(PackStore.PackInfo p) throws IOException {
        synchronized (this) {
            flush();
            new PackRepacker(packs, maxChunk).repack(p.pack(), this::pointedAt, new PackRepacker.Relocations() {
                @Override
                public void moved(PackStore.Record from, PackStore.Location to) {
                    ChunkLocation cur = locations.get(from.hash().toBytes());
                    locations.put(from.hash().toBytes(), new ChunkLocation(to.pack(), to.offset(), to.length(),
                            cur == null ? System.currentTimeMillis() : cur.touchedMillis()));
                    addLive(to.pack(), to.length());
                }

                @Override
                public void corrupt(PackStore.Record record) {
                    drop(record.hash());
                    corrupt.incrementAndGet();
                }

                @Override
                public void commit() throws IOException {
                    packLive.remove(p.pack());
                    db.commit();
                }
            });
        }
        return p.bytes();
    }

    /** True when the committed location of the record's chunk is this very record (not a duplicate left behind). */
    private boolean pointedAt(PackStore.Record rec) {
        ChunkLocation cur = locations.get(rec.hash().toBytes());
        return cur != null && cur.pack() == rec.location().pack() && cur.offset() == rec.location().offset();
    }

    public long chunkCount() {
        synchronized (this) {
            return locations.sizeAsLong() + staged.size();
        }
    }

    /** Bytes of the chunks kept in packs (live records). */
    public long byteCount() {
        return bytes.get();
    }

    /** Chunks found corrupt on read since start (changed regions and bad pack records). */
    public long corruptCount() {
        return corrupt.get();
    }

    /** Packs on disk and their bytes, live records and dead ones together. */
    public long[] packFigures() {
        try {
            long n = 0;
            long b = 0;
            for (PackStore.PackInfo p : packs.packs()) {
                n++;
                b += p.bytes();
            }
            return new long[] {n, b};
        } catch (IOException e) {
            return new long[] {-1, -1};
        }
    }

    /** The bytes of an upload do not hash to the name it was sent under. */
    public static class HashMismatchException extends IOException {
        public HashMismatchException(String message) {
            super(message);
        }
    }

    /** An upload is longer than the largest chunk. */
    public static class TooLargeException extends IOException {
        public TooLargeException(String message) {
            super(message);
        }
    }
}
