package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.store.storage.PosixModes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Pack files under {@code .ferry/packs/<ff>/<16 hex id>.pack} ({@code ff} = the id's low byte), in the format of
 * {@link PackFormat}.
 *
 * <p>Appends go, one at a time, to the pack being filled (always the newest id) until it would pass the target size;
 * then a new pack starts. Reads are positional ({@code pread}) on shared read-only channels and take no lock, so
 * writer threads read while upload threads append. {@link #sync()} fdatasyncs every pack appended to since the last
 * sync and then every folder that gained an entry. Ids are never reused, across restarts too: {@code last-id} holds
 * the highest id ever made, written (and forced) before its pack is created, so a stale location can never name a
 * newer pack's bytes.
 *
 * <p>On open the newest pack is filled further when it still ends in whole records, or in a torn record (a crash
 * while appending: a partial header or a complete header with short data), which is cut off first: such bytes were
 * never synced, so no location can name them. A pack that ends in a header failing its CRC is left untouched (it
 * may be rot in front of records a location still names) and appends start a new pack.
 */
public final class LocalPackStore implements PackStore {
    private static final Logger LOG = Logger.getLogger(LocalPackStore.class);

    /** The size at which a pack is closed and a new one started. */
    public static final long DEFAULT_TARGET_SIZE = 32L * 1024 * 1024;
    static final String LAST_ID = "last-id";
    private static final String SUFFIX = ".pack";
    /** Read channels kept open at once; more are closed (a reader of a closed one opens it again). */
    private static final int MAX_OPEN_READERS = 64;
    private static final int MAX_READ_ATTEMPTS = 5;
    private static final HexFormat HEX = HexFormat.of();

    private final Path dir;
    private final long targetSize;
    private final int maxRecord;
    private final boolean posix;

    private final Object lock = new Object();
    /** Guarded by lock: the id the next new pack gets. */
    private long nextId;
    /** Guarded by lock: the pack being filled, or null. */
    private Writer current;
    /** Guarded by lock: packs appended to since the last sync, other than {@link #current} (channel may be null). */
    private final Map<Long, FileChannel> unsynced = new LinkedHashMap<>();
    /** Guarded by lock: folders that gained an entry since the last sync. */
    private final Set<Path> dirsToSync = new LinkedHashSet<>();
    private volatile boolean closed;

    private final ConcurrentHashMap<Long, FileChannel> readers = new ConcurrentHashMap<>();

    private static final class Writer {
        final long id;
        final FileChannel channel;
        long size;

        Writer(long id, FileChannel channel, long size) {
            this.id = id;
            this.channel = channel;
            this.size = size;
        }
    }

    /** Opens the packs under {@code dir} with the default target size and the default chunker's largest chunk. */
    public LocalPackStore(Path dir) throws IOException {
        this(dir, DEFAULT_TARGET_SIZE, ChunkerParams.DEFAULT.maxSize());
    }

    /** Opens the packs under {@code dir} with this target size and the default chunker's largest chunk. */
    public LocalPackStore(Path dir, long targetSize) throws IOException {
        this(dir, targetSize, ChunkerParams.DEFAULT.maxSize());
    }

    /**
     * Opens (creating if needed) the packs under {@code dir}.
     *
     * @param targetSize a pack takes no record that would make it larger, unless it is still empty
     * @param maxRecord  the largest record {@link #append} accepts (the chunker's largest chunk)
     */
    public LocalPackStore(Path dir, long targetSize, int maxRecord) throws IOException {
        if (targetSize <= PackFormat.FILE_HEADER || maxRecord <= 0 || maxRecord > PackFormat.MAX_READABLE_RECORD) {
            throw new IllegalArgumentException("target size " + targetSize + " / max record " + maxRecord);
        }
        this.dir = dir;
        this.targetSize = targetSize;
        this.maxRecord = maxRecord;
        this.posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        ensurePrivateDir(dir);
        long newest = newestPackOnDisk();
        long lastId = Math.max(newest, readLastId());
        nextId = lastId + 1;
        if (newest > 0 && newest == lastId) {
            current = resume(newest);
        }
    }

    /** The folder holding the packs. */
    public Path dir() {
        return dir;
    }

    /** The file of pack {@code id}. */
    public Path pathOf(long id) {
        return dir.resolve(HEX.toHexDigits((byte) id)).resolve(HEX.toHexDigits(id) + SUFFIX);
    }

    @Override
    public Location append(ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        Objects.requireNonNull(hash, "hash");
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len <= 0 || len > maxRecord) {
            throw new IOException("a pack record holds 1.." + maxRecord + " bytes (the largest chunk), not " + len);
        }
        ByteBuffer header = ByteBuffer.allocate(PackFormat.RECORD_HEADER);
        PackFormat.recordHeader(hash, len, header);
        ByteBuffer[] record = {header, ByteBuffer.wrap(buf, off, len)};
        long total = PackFormat.RECORD_HEADER + (long) len;
        synchronized (lock) {
            ensureOpen();
            Writer w = writerFor(total);
            long start = w.size;
            try {
                long written = 0;
                while (written < total) {
                    written += w.channel.write(record);
                }
            } catch (IOException e) {
                undoPartial(w, start);
                throw e;
            }
            w.size = start + total;
            return new Location(w.id, start + PackFormat.RECORD_HEADER, len);
        }
    }

    private Writer writerFor(long total) throws IOException {
        if (current != null && !current.channel.isOpen()) {
            // Closed under us (another thread was interrupted mid-write): its tail may be torn, start afresh.
            retire();
        }
        if (current != null && current.size > PackFormat.FILE_HEADER && current.size + total > targetSize) {
            retire();
        }
        if (current == null) {
            current = create();
        }
        return current;
    }

    /** Cuts a failed append off so later records follow whole ones; a pack that cannot be cut is not filled further. */
    private void undoPartial(Writer w, long start) {
        try {
            w.channel.truncate(start);
            w.channel.position(start);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Pack %d: cannot cut off a failed append (%s); a new pack is started", w.id, e.toString());
            if (current == w) {
                retire();
            }
        }
    }

    /** Stops filling the current pack; it stays to be synced (and its channel closed) by the next sync. */
    private void retire() {
        unsynced.put(current.id, current.channel);
        current = null;
    }

    private Writer create() throws IOException {
        long id = nextId;
        writeLastId(id);
        nextId = id + 1;
        Path file = pathOf(id);
        Path fan = file.getParent();
        if (!Files.isDirectory(fan, LinkOption.NOFOLLOW_LINKS)) {
            ensurePrivateDir(fan);
            dirsToSync.add(dir);
        }
        FileChannel ch;
        try {
            ch = posix
                    ? FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), privateFile())
                    : FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("pack " + id + " exists although last-id said it was never made: " + file, e);
        }
        dirsToSync.add(fan);
        try {
            ByteBuffer h = PackFormat.fileHeader();
            while (h.hasRemaining()) {
                ch.write(h);
            }
        } catch (IOException e) {
            ch.close();
            unsynced.put(id, null);
            throw e;
        }
        return new Writer(id, ch, PackFormat.FILE_HEADER);
    }

    @Override
    public int read(Location location, byte[] buf) throws IOException {
        checkLocation(location, buf);
        for (int attempt = 0; attempt < MAX_READ_ATTEMPTS; attempt++) {
            ensureOpen();
            FileChannel ch = reader(location.pack());
            if (ch == null) {
                return -1;
            }
            try {
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, location.length());
                while (bb.hasRemaining()) {
                    if (ch.read(bb, location.offset() + bb.position()) < 0) {
                        return -1;
                    }
                }
                return location.length();
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                // Closed by a delete, an eviction or another reader's interrupt: look again.
                readers.remove(location.pack(), ch);
            }
        }
        throw new IOException("pack " + location.pack() + " was closed under " + MAX_READ_ATTEMPTS + " reads in a row");
    }

    static void checkLocation(Location location, byte[] buf) {
        if (location.pack() <= 0 || location.offset() < 0 || location.length() <= 0) {
            throw new IllegalArgumentException("not a pack location: " + location);
        }
        if (location.length() > buf.length) {
            throw new IllegalArgumentException("a buffer of " + buf.length + " bytes cannot hold " + location);
        }
    }

    /** A shared read channel on pack {@code id}, or null when it does not exist. */
    private FileChannel reader(long id) throws IOException {
        while (true) {
            FileChannel ch = readers.get(id);
            if (ch != null) {
                if (ch.isOpen()) {
                    return ch;
                }
                readers.remove(id, ch);
                continue;
            }
            FileChannel opened;
            try {
                opened = FileChannel.open(pathOf(id), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (readers.putIfAbsent(id, opened) != null) {
                opened.close();
                continue;
            }
            if (!Files.exists(pathOf(id), LinkOption.NOFOLLOW_LINKS)) {
                // Deleted between our open and our insert: keep no channel on a deleted pack.
                readers.remove(id, opened);
                opened.close();
                return null;
            }
            evictReaders(id);
            return opened;
        }
    }

    private void evictReaders(long keep) throws IOException {
        Iterator<Map.Entry<Long, FileChannel>> it = readers.entrySet().iterator();
        while (readers.size() > MAX_OPEN_READERS && it.hasNext()) {
            Map.Entry<Long, FileChannel> e = it.next();
            if (e.getKey() != keep && readers.remove(e.getKey(), e.getValue())) {
                e.getValue().close();
            }
        }
    }

    @Override
    public void sync() throws IOException {
        Map<Long, FileChannel> toForce;
        List<Path> dirs;
        long currentId;
        synchronized (lock) {
            ensureOpen();
            toForce = new LinkedHashMap<>(unsynced);
            unsynced.clear();
            currentId = current == null ? 0 : current.id;
            if (current != null) {
                toForce.put(current.id, current.channel);
            }
            dirs = new ArrayList<>(dirsToSync);
            dirsToSync.clear();
        }
        Iterator<Map.Entry<Long, FileChannel>> packs = toForce.entrySet().iterator();
        try {
            while (packs.hasNext()) {
                Map.Entry<Long, FileChannel> p = packs.next();
                force(p.getKey(), p.getValue());
                if (p.getKey() != currentId && p.getValue() != null) {
                    p.getValue().close();
                }
                packs.remove();
            }
            for (Iterator<Path> d = dirs.iterator(); d.hasNext(); ) {
                forceDir(d.next());
                d.remove();
            }
        } catch (IOException | RuntimeException e) {
            synchronized (lock) {
                // Whatever was not forced is forced by the next sync (through the file when its channel is gone).
                for (Map.Entry<Long, FileChannel> p : toForce.entrySet()) {
                    if (current == null || p.getKey() != current.id) {
                        unsynced.putIfAbsent(p.getKey(), p.getKey() == currentId ? null : p.getValue());
                    }
                }
                dirsToSync.addAll(dirs);
            }
            throw e;
        }
    }

    private void force(long id, FileChannel ch) throws IOException {
        if (ch != null && ch.isOpen()) {
            try {
                ch.force(false);
                return;
            } catch (ClosedByInterruptException e) {
                throw e;
            } catch (ClosedChannelException e) {
                // Closed meanwhile (deleted, or another thread's interrupt): force through the file below.
            }
        }
        try (FileChannel c = FileChannel.open(pathOf(id), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            c.force(false);
        } catch (NoSuchFileException e) {
            // Deleted: nothing of it is to be kept.
        }
    }

    private static void forceDir(Path d) throws IOException {
        try (FileChannel c = FileChannel.open(d, StandardOpenOption.READ)) {
            c.force(true);
        } catch (NoSuchFileException e) {
            // The folder went away with its packs.
        }
    }

    @Override
    public List<PackInfo> packs() throws IOException {
        List<PackInfo> out = new ArrayList<>();
        forEachPackFile((id, file) -> {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                out.add(new PackInfo(id, a.size(), a.lastModifiedTime().toInstant()));
            } catch (NoSuchFileException e) {
                // Deleted while we listed.
            }
        });
        out.sort(Comparator.comparingLong(PackInfo::pack));
        return out;
    }

    @Override
    public List<Record> records(long pack) throws IOException {
        List<Record> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(pathOf(pack), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            scan(pack, ch, out::add);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return out;
    }

    /** How a pack ends after its last whole record. */
    enum Tail { CLEAN, TORN, GARBAGE }

    record Scan(long end, Tail tail) {
    }

    /** Reads the headers of pack {@code id} in order, handing each whole record to {@code sink}. */
    static Scan scan(long id, FileChannel ch, Consumer<Record> sink) throws IOException {
        long size = ch.size();
        if (size < PackFormat.FILE_HEADER) {
            return new Scan(0, Tail.TORN);
        }
        ByteBuffer fh = ByteBuffer.allocate(PackFormat.FILE_HEADER);
        if (!readFully(ch, fh, 0)) {
            return new Scan(0, Tail.TORN);
        }
        fh.flip();
        int magic = fh.getInt();
        int version = fh.getInt();
        if (magic != PackFormat.MAGIC) {
            throw new IOException("pack " + id + " is not a Ferry pack (it starts with 0x" + Integer.toHexString(magic) + ")");
        }
        if (version != PackFormat.VERSION) {
            throw new IOException("pack " + id + " has format version " + version + "; this Ferry reads version "
                    + PackFormat.VERSION);
        }
        byte[] h = new byte[PackFormat.RECORD_HEADER];
        long pos = PackFormat.FILE_HEADER;
        while (true) {
            if (pos == size) {
                return new Scan(pos, Tail.CLEAN);
            }
            if (size - pos < PackFormat.RECORD_HEADER || !readFully(ch, ByteBuffer.wrap(h), pos)) {
                return new Scan(pos, Tail.TORN);
            }
            PackFormat.Header header = PackFormat.parseRecordHeader(h);
            if (header == null) {
                return new Scan(pos, Tail.GARBAGE);
            }
            long dataAt = pos + PackFormat.RECORD_HEADER;
            if (dataAt + header.length() > size) {
                return new Scan(pos, Tail.TORN);
            }
            sink.accept(new Record(header.hash(), new Location(id, dataAt, header.length())));
            pos = dataAt + header.length();
        }
    }

    private static boolean readFully(FileChannel ch, ByteBuffer bb, long at) throws IOException {
        long start = at - bb.position();
        while (bb.hasRemaining()) {
            if (ch.read(bb, start + bb.position()) < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void delete(long pack) throws IOException {
        synchronized (lock) {
            ensureOpen();
            if (current != null && current.id == pack) {
                current.channel.close();
                current = null;
            }
            FileChannel pending = unsynced.remove(pack);
            if (pending != null) {
                pending.close();
            }
            if (!dirsToSync.isEmpty()) {
                // last-id's new name must be durable before the pack it covers can vanish.
                for (Path d : new ArrayList<>(dirsToSync)) {
                    forceDir(d);
                    dirsToSync.remove(d);
                }
            }
            // Unlink first, then close the shared reader: a reader opening the pack in between sees it gone when it
            // checks after its insert, so no channel can keep a deleted pack's space (and bytes) alive.
            Files.deleteIfExists(pathOf(pack));
            FileChannel r = readers.remove(pack);
            if (r != null) {
                r.close();
            }
            removeIfEmpty(pathOf(pack).getParent());
        }
    }

    /**
     * Removes a fan-out folder whose last pack went, so deleted packs leave no empty folders behind. Lock held:
     * {@link #create()} checks for and makes the folder under the same lock, so no new pack lands in it meanwhile.
     */
    private static void removeIfEmpty(Path fan) {
        try {
            Files.delete(fan);
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            // Other packs live there, or it is gone already.
        } catch (IOException e) {
            LOG.debugf("cannot remove the empty pack folder %s: %s", fan, e);
        }
    }

    @Override
    public void close() throws IOException {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (current != null) {
                current.channel.close();
                current = null;
            }
            for (FileChannel ch : unsynced.values()) {
                if (ch != null) {
                    ch.close();
                }
            }
            unsynced.clear();
        }
        for (FileChannel ch : readers.values()) {
            ch.close();
        }
        readers.clear();
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("the pack store at " + dir + " is closed");
        }
    }

    private Writer resume(long id) throws IOException {
        Path file = pathOf(id);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        try {
            Scan s;
            try {
                s = scan(id, ch, r -> { });
            } catch (IOException e) {
                LOG.warnf("Pack %d is not filled further: %s", id, e.getMessage());
                ch.close();
                return null;
            }
            if (s.end() < PackFormat.FILE_HEADER || s.end() >= targetSize || s.tail() == Tail.GARBAGE) {
                if (s.tail() == Tail.GARBAGE) {
                    LOG.warnf("Pack %d has a damaged record header at byte %d: left as it is, new records go to a new pack",
                            id, s.end());
                }
                ch.close();
                return null;
            }
            if (s.tail() == Tail.TORN) {
                LOG.infof("Pack %d ends in a record torn by a crash at byte %d of %d: cut off", id, s.end(), ch.size());
                ch.truncate(s.end());
                ch.force(false);
            }
            ch.position(s.end());
            return new Writer(id, ch, s.end());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private interface PackFileVisitor {
        void visit(long id, Path file) throws IOException;
    }

    private void forEachPackFile(PackFileVisitor visitor) throws IOException {
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(dir)) {
            for (Path fan : fans) {
                String fanName = fan.getFileName().toString();
                if (fanName.length() != 2 || !isHex(fanName) || !Files.isDirectory(fan, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        long id = packId(f.getFileName().toString());
                        if (id > 0) {
                            visitor.visit(id, f);
                        }
                    }
                } catch (NoSuchFileException e) {
                    // A fan-out folder removed while we listed.
                }
            }
        }
    }

    /** The id in a pack file's name, or -1 when the name is not one of ours. */
    static long packId(String name) {
        if (name.length() != 16 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        String hex = name.substring(0, 16);
        if (!isHex(hex)) {
            return -1;
        }
        long id = HEX.fromHexDigitsToLong(hex);
        return id > 0 ? id : -1;
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private long newestPackOnDisk() throws IOException {
        long[] max = {0};
        forEachPackFile((id, file) -> max[0] = Math.max(max[0], id));
        return max[0];
    }

    private long readLastId() throws IOException {
        Path f = dir.resolve(LAST_ID);
        String text;
        try {
            text = Files.readString(f, StandardCharsets.US_ASCII).trim();
        } catch (NoSuchFileException e) {
            return 0;
        }
        try {
            long id = Long.parseLong(text);
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw new IOException(f + " should hold the highest pack id ever made, holds '" + text
                    + "'; set it to the highest id under " + dir + " (or higher) and start again");
        }
    }

    /** Records {@code id} as made before its pack exists: written to a temp file, forced, renamed over. */
    private void writeLastId(long id) throws IOException {
        Path tmp = dir.resolve(LAST_ID + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch = posix
                ? FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), privateFile())
                : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(false);
        }
        Files.move(tmp, dir.resolve(LAST_ID), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        dirsToSync.add(dir);
    }

    private void ensurePrivateDir(Path d) throws IOException {
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            if (posix) {
                Files.createDirectories(d, PosixFilePermissions.asFileAttribute(PosixModes.toPermissions(0700)));
            } else {
                Files.createDirectories(d);
            }
        }
        if (posix && PosixModes.read(d) != 0700) {
            PosixModes.set(d, 0700);
        }
    }

    private static FileAttribute<?> privateFile() {
        return PosixFilePermissions.asFileAttribute(PosixModes.toPermissions(0600));
    }
}
