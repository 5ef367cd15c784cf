package dev.ferry.store.storage;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Every write to DEST goes through here. Paths are checked with {@link RelativePaths} and resolved one component
 * at a time without following links: a parent that is a symlink or a non-directory is stale mirror content and
 * is replaced by a real directory, so no write ever lands outside DEST. Files are written to {@code .ferry/tmp},
 * fsynced, given their mode and mtime, and renamed into place. Not thread-safe: only the apply thread calls it,
 * except {@link #write}, which any thread may run.
 */
@Singleton
public class Materializer {
    private final Path root;
    private final Path tmpDir;
    private final ChunkStore chunks;
    private final MirrorIndex index;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[0]);
    private static final ThreadLocal<ByteBuffer> DIRECT = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));
    private final Set<String> touchedDirs = new HashSet<>();
    private final Object stateDirKey;
    private final DestTree tree;
    private final Fsync fsync;
    /** Moves what a change replaces or removes aside as a version first (when version history is on). */
    private final VersionKeeper versions;

    @Inject
    public Materializer(StoreLayout layout, ChunkStore chunks, MirrorIndex index) {
        this(layout.dest(), layout.tmpDir(), chunks, index);
    }

    public Materializer(Path root, Path tmpDir, ChunkStore chunks, MirrorIndex index) {
        this(root, tmpDir, chunks, index, (ch, file) -> ch.force(true));
    }

    /** How a written temp file is made durable; tests watch it to check that nothing is renamed before it. */
    @FunctionalInterface
    interface Fsync {
        void force(FileChannel channel, Path file) throws IOException;
    }

    Materializer(Path root, Path tmpDir, ChunkStore chunks, MirrorIndex index, Fsync fsync) {
        this.fsync = fsync;
        this.root = root;
        this.tmpDir = tmpDir;
        this.chunks = chunks;
        this.index = index;
        Object key = null;
        try {
            BasicFileAttributes state = StoreLayout.attributes(tmpDir.getParent());
            key = state == null ? null : state.fileKey();
        } catch (IOException e) {
            key = null;
        }
        this.stateDirKey = key;
        this.tree = new DestTree(root, tmpDir);
        this.versions = new VersionKeeper(root, tmpDir.resolveSibling(StoreLayout.VERSIONS), index);
    }

    /** For tests: runs {@code step} between each check of DEST and the step that relies on it. */
    void betweenStepsForTests(Runnable step) {
        tree.betweenSteps = step;
    }

    public Path root() {
        return root;
    }

    /** Creates or fixes the directory {@code m} (replacing a file or link there), with its mode and mtime. */
    /**
     * Applies an entry of any type. A file is written only when all its chunks are stored; otherwise nothing
     * changes and the chunks it lacks are returned (empty when the entry was applied).
     */
    public List<ChunkHash> apply(Manifest m) throws IOException, ProtocolException {
        switch (m.type()) {
            case DIRECTORY -> applyDirectory(m);
            case SYMLINK -> applySymlink(m);
            case FILE -> {
                return applyFile(m);
            }
        }
        return List.of();
    }

    public void applyDirectory(Manifest m) throws IOException, ProtocolException {
        long kept = versions.replacing(m);
        boolean done = false;
        try (DestTree.Entry e = prepare(m.path())) {
            BasicFileAttributes attrs = e.attributes();
            if (attrs != null && !attrs.isDirectory()) {
                e.deleteTree();
                attrs = null;
            }
            if (attrs == null) {
                e.createDirectory();
                touchParent(m.path());
            }
            setDirectory(e, m.path(), m.mode(), m.mtimeNs());
            done = true;
        } finally {
            if (!done) {
                versions.undo(kept);
            }
        }
        touchedDirs.add(m.path());
    }

    /** Creates the link {@code m} with its exact target (never resolved), replacing what is there. */
    public void applySymlink(Manifest m) throws IOException, ProtocolException {
        Path target;
        try {
            target = FileNames.targetPath(m.target());
        } catch (InvalidPathException e) {
            throw new IOException("symlink target cannot be represented here: " + e.getMessage());
        }
        Path tmp = tmpDir.resolve("link-" + UUID.randomUUID());
        Files.createSymbolicLink(tmp, target);
        try {
            try {
                Files.getFileAttributeView(tmp, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(m.mtimeNs(), TimeUnit.NANOSECONDS), null, null);
            } catch (IOException | UnsupportedOperationException e) {
                // Not every platform can set a link's own time; the mirror compares link targets only.
            }
            long kept = versions.replacing(m);
            boolean done = false;
            try (DestTree.Entry e = prepare(m.path())) {
                e.replaceWith(tmp);
                done = true;
            } finally {
                if (!done) {
                    versions.undo(kept);
                }
            }
            touchParent(m.path());
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Writes the file {@code m} from verified chunks and renames it into place.
     *
     * @return the chunks it needs that the store lacks (or that were corrupt and are now deleted); empty when the
     * file is in place
     */
    public List<ChunkHash> applyFile(Manifest m) throws IOException, ProtocolException {
        Written w = write(m);
        if (w.tmp() == null) {
            return w.lacking();
        }
        install(m, w);
        return List.of();
    }

    /**
     * A file written under {@code .ferry/tmp} and fsynced ({@code tmp}), or the chunks that kept it from being
     * written ({@code lacking}, then {@code tmp} is null).
     */
    public record Written(Path tmp, List<ChunkHash> lacking) {
    }

    /**
     * First half of {@link #applyFile}: writes {@code m} from verified chunks to a temp file, fsyncs it and gives
     * it its mode and mtime. Touches nothing under DEST's mirror, so any thread may run it (the store runs several,
     * letting the file system commit their fsyncs together); only {@link #install} puts the file in place.
     */
    public Written write(Manifest m) throws IOException, ProtocolException {
        return write(m, null);
    }

    /**
     * {@link #write(Manifest)} into {@code part}, the file the uploads of {@code m} were written into (or null):
     * only the chunks they did not write are filled in (each verified), then it is fsynced and given its mode and
     * mtime. When a chunk is lacking, the part file stays as it is (it wants that chunk again, through its pending
     * file); on an error the caller closes it.
     */
    public Written write(Manifest m, PartFile part) throws IOException, ProtocolException {
        RelativePaths.check(m.path());
        if (part == null) {
            List<ChunkHash> lacking = lacking(m);
            if (!lacking.isEmpty()) {
                return new Written(null, lacking);
            }
        }
        byte[] buf = BUFFERS.get();
        if (buf.length < chunks.maxChunk()) {
            buf = new byte[chunks.maxChunk()];
            BUFFERS.set(buf);
        }
        PartFile.Sealed sealed = part == null ? null : part.seal();
        Path tmp = sealed == null ? Files.createTempFile(tmpDir, "file-", ".part") : sealed.path();
        Set<ChunkHash> there = sealed == null ? Set.of() : sealed.written();
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer direct = DIRECT.get();
                if (direct.capacity() < chunks.maxChunk()) {
                    direct = ByteBuffer.allocateDirect(chunks.maxChunk());
                    DIRECT.set(direct);
                }
                long at = 0;
                for (ChunkRef c : m.chunks()) {
                    long offset = at;
                    at += c.length();
                    if (there.contains(c.hash())) {
                        // Written there by its upload, verified as it arrived.
                        continue;
                    }
                    if (fromRegion(c, direct) || chunks.parts().read(c.hash(), c.length(), direct)) {
                        // One read into a direct buffer, hashed there, one write: no copy through the heap.
                        writeAt(ch, direct, offset);
                        continue;
                    }
                    int n = chunks.readFromPack(c.hash(), buf);
                    if (n < 0) {
                        return new Written(null, List.of(c.hash()));
                    }
                    if (n != c.length()) {
                        throw new IOException("chunk " + c.hash().hex() + " has " + n + " bytes, the manifest says " + c.length());
                    }
                    writeAt(ch, ByteBuffer.wrap(buf, 0, n), offset);
                }
                if (ch.size() != at) {
                    throw new IOException("the file being built has " + ch.size() + " bytes, its chunks " + at);
                }
                fsync.force(ch, tmp);
            }
            PosixModes.set(tmp, PosixModes.forFile(m.mode()));
            setMtime(tmp, m.mtimeNs());
            done = true;
            return new Written(tmp, List.of());
        } finally {
            if (!done && part == null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void writeAt(FileChannel ch, ByteBuffer bb, long offset) throws IOException {
        long pos = offset;
        while (bb.hasRemaining()) {
            pos += ch.write(bb, pos);
        }
    }

    /**
     * A part file for {@code m}, a file upsert still lacking chunks: the uploads it wants (told by its pending file)
     * are written straight into it.
     */
    public PartFile openPart(Manifest m) {
        return chunks.parts().open(tmpDir, m.chunks());
    }

    /** True when a mirror region held {@code c} intact: its bytes are then in {@code direct}, ready to write. */
    private boolean fromRegion(ChunkRef c, ByteBuffer direct) throws IOException {
        for (MirrorRegions.Region r : chunks.regionsOf(c.hash(), 4)) {
            if (r.length() == c.length() && r.length() <= direct.capacity() && chunks.readRegion(r, c.hash(), direct)) {
                return true;
            }
        }
        return false;
    }

    /** Second half of {@link #applyFile}, on the apply thread: renames a written file over its final path. */
    public void install(Manifest m, Written w) throws IOException, ProtocolException {
        long kept = -1;
        boolean done = false;
        try (DestTree.Entry e = prepare(m.path())) {
            kept = versions.replacing(m); // linked aside before the rename takes the name
            e.replaceWith(w.tmp());
            done = true;
            touchParent(m.path());
        } finally {
            if (!done) {
                versions.undo(kept);
            }
            Files.deleteIfExists(w.tmp());
        }
    }

    /**
     * The file {@code m} is in the index now (after {@code index.put}): the mirror holds its chunks, so their pack
     * records are dead. Committed with the index entry by {@link #commitChunks()}.
     */
    public void recorded(Manifest m) {
        chunks.release(m);
    }

    /** Makes the chunk store durable (packs synced, locations committed, dead packs deleted after the commit). */
    public void commitChunks() throws IOException {
        chunks.flush();
    }

    /** Drops a written file that will not be installed (its upsert was superseded meanwhile). */
    public void discard(Written w) {
        if (w.tmp() != null) {
            try {
                Files.deleteIfExists(w.tmp());
            } catch (IOException e) {
                // tmp/ is emptied at the next start anyway.
            }
        }
    }

    /** The distinct chunks of {@code m} that the store does not hold. */
    public List<ChunkHash> lacking(Manifest m) {
        Set<ChunkHash> out = new LinkedHashSet<>();
        for (ChunkRef c : m.chunks()) {
            if (!out.contains(c.hash()) && !chunks.has(c.hash())) {
                out.add(c.hash());
            }
        }
        return new ArrayList<>(out);
    }

    /** Removes {@code path}, a directory with everything below it; links are removed, never followed. */
    public void delete(String path) throws IOException, ProtocolException {
        delete(path, IgnoreRules.none());
    }

    /**
     * Removes {@code path} like {@link #delete(String)}, but keeps what {@code rules} ignore below it and the
     * folders leading there (they are not part of the mirror). True when something was kept.
     */
    public boolean delete(String path, IgnoreRules rules) throws IOException, ProtocolException {
        return delete(path, rules, VersionHistory.Reason.DELETED);
    }

    /**
     * {@link #delete(String, IgnoreRules)}, keeping what the index has there as versions with {@code reason}
     * ({@code moved} for the source of a move built at its destination).
     */
    public boolean delete(String path, IgnoreRules rules, VersionHistory.Reason reason)
            throws IOException, ProtocolException {
        RelativePaths.check(path);
        refuseStateDirAlias(path);
        boolean kept = false;
        try (DestTree.Entry e = tree.walk(path, false, touchedDirs::add)) {
            if (e == null || e.attributes() == null) {
                return false;
            }
            writable(e);
            long versionsKept = versions.removing(path, reason, null);
            boolean done = false;
            try {
                if (rules.isEmpty()) {
                    e.deleteTree();
                } else {
                    kept = e.deleteTreeKeeping(path, rules);
                }
                done = true;
            } finally {
                if (!done) {
                    versions.undo(versionsKept);
                }
            }
        }
        touchParent(path);
        return kept;
    }

    /**
     * Removes an entry the auditor found in DEST that is not part of the mirror, given by its raw names (it may
     * not even be a valid wire path), through directory handles like every other change.
     */
    public void deleteForeign(Path relative) throws IOException {
        try (DestTree.Entry e = tree.walk(relative, false, touchedDirs::add)) {
            if (e != null && e.attributes() != null) {
                writable(e);
                e.deleteTree();
            }
        }
    }

    /**
     * Renames {@code from} to {@code to} (a directory with everything below it), replacing what is at {@code to}.
     *
     * @return false when {@code from} is not in DEST (the caller then builds {@code to} from its manifest)
     */
    public boolean move(String from, String to) throws IOException, ProtocolException {
        RelativePaths.check(from);
        RelativePaths.check(to);
        if (from.equals(to) || RelativePaths.isUnder(to, from)) {
            throw new ProtocolException(ErrorCode.BAD_PATH, "cannot move " + RelativePaths.printable(from) + " into itself");
        }
        refuseStateDirAlias(from);
        try (DestTree.Entry src = tree.walk(from, false, touchedDirs::add)) {
            if (src == null || src.attributes() == null) {
                return false;
            }
            writable(src);
            long kept = versions.removing(from, VersionHistory.Reason.MOVED, null);
            long replaced = versions.removing(to, VersionHistory.Reason.MODIFIED, from);
            boolean done = false;
            try {
                moveEntry(src, from, to);
                done = true;
            } finally {
                if (!done) {
                    versions.undo(kept < 0 ? replaced : kept);
                }
            }
        }
        touchParent(from);
        touchParent(to);
        touchedDirs.add(to);
        return true;
    }

    private void moveEntry(DestTree.Entry src, String from, String to) throws IOException, ProtocolException {
        if (RelativePaths.isUnder(from, to)) {
            Path parked = tmpDir.resolve("move-" + UUID.randomUUID());
            try (java.nio.file.SecureDirectoryStream<Path> tmp = tree.openTmp()) {
                src.dir.move(src.name, tmp, parked.getFileName());
            }
            touchParent(from);
            try (DestTree.Entry dst = prepare(to)) {
                dst.replaceWith(parked);
            } finally {
                StoreLayout.deleteTree(parked);
            }
        } else {
            try (DestTree.Entry dst = prepare(to)) {
                src.moveTo(dst);
            }
        }
    }

    /** True when DEST holds {@code m} as recorded: type, size, mtime and mode, or a link's target. */
    public boolean intact(Manifest m) throws IOException {
        Path p;
        try {
            p = existing(m.path());
        } catch (ProtocolException e) {
            return false;
        }
        if (p == null) {
            return false;
        }
        BasicFileAttributes a = StoreLayout.attributes(p);
        if (a == null) {
            return false;
        }
        switch (m.type()) {
            case FILE:
                return a.isRegularFile() && a.size() == m.size() && mtimeMatches(a.lastModifiedTime(), m.mtimeNs())
                        && modeMatches(p, m.mode());
            case DIRECTORY:
                return a.isDirectory() && mtimeMatches(a.lastModifiedTime(), m.mtimeNs()) && modeMatches(p, m.mode());
            case SYMLINK:
                return a.isSymbolicLink() && FileNames.linkTarget(Files.readSymbolicLink(p)).equals(m.target());
            default:
                return false;
        }
    }

    /**
     * Gives the file {@code m} its recorded mode and mtime back in place, through its folder's handle, when DEST
     * still holds its exact bytes (each chunk hashed). False, and nothing changed, when what is there is not a
     * regular file of that size or its bytes differ. For a file whose chunks are gone: DEST may hold its only copy.
     */
    public boolean restoreMetadataInPlace(Manifest m) throws IOException, ProtocolException {
        if (m.type() != EntryType.FILE) {
            return false;
        }
        RelativePaths.check(m.path());
        refuseStateDirAlias(m.path());
        try (DestTree.Entry e = tree.walk(m.path(), false, d -> { })) {
            BasicFileAttributes a = e == null ? null : e.attributes();
            if (a == null || !a.isRegularFile() || a.size() != m.size() || !holdsBytes(e, m)) {
                return false;
            }
            java.nio.file.attribute.PosixFileAttributeView view = e.dir.getFileAttributeView(e.name,
                    java.nio.file.attribute.PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            view.setPermissions(PosixModes.toPermissions(m.mode()));
            FileTime time = FileTime.from(m.mtimeNs(), TimeUnit.NANOSECONDS);
            view.setTimes(time, null, null);
            if (m.mtimeNs() % 1000 != 0) {
                // The handle's call stops at microseconds: the nanoseconds by path, while it names the same file.
                Path byPath = FileNames.resolve(root, m.path());
                BasicFileAttributes there = StoreLayout.attributes(byPath);
                Object key = view.readAttributes().fileKey();
                if (key != null && there != null && there.isRegularFile() && key.equals(there.fileKey())) {
                    setMtime(byPath, m.mtimeNs());
                }
            }
            return true;
        }
    }

    /** True when the regular file {@code e} holds exactly the chunks of {@code m}, in order. */
    private boolean holdsBytes(DestTree.Entry e, Manifest m) throws IOException {
        byte[] buf = new byte[chunks.maxChunk()];
        try (java.nio.channels.SeekableByteChannel ch = e.dir.newByteChannel(e.name,
                Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))) {
            for (ChunkRef c : m.chunks()) {
                if (c.length() > buf.length) {
                    return false;
                }
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, c.length());
                while (bb.hasRemaining()) {
                    if (ch.read(bb) < 0) {
                        return false;
                    }
                }
                if (!ChunkHash.compute(buf, 0, c.length()).equals(c.hash())) {
                    return false;
                }
            }
            return ch.read(ByteBuffer.allocate(1)) < 0;
        }
    }

    /** Notes that the entries of directory {@code dir} changed, so {@link #finishDirectories()} resets its times. */
    public void touch(String dir) {
        touchedDirs.add(dir);
    }

    /** Gives every directory whose entries changed since the last call its recorded mode and mtime back. */
    public void finishDirectories() throws IOException {
        for (String dir : touchedDirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Manifest m = index.get(dir);
            if (m == null || m.type() != EntryType.DIRECTORY) {
                continue;
            }
            if (!RelativePaths.isValid(dir)) {
                continue;
            }
            try (DestTree.Entry e = tree.walk(dir, false, d -> { })) {
                BasicFileAttributes a = e == null ? null : e.attributes();
                if (a != null && a.isDirectory()) {
                    setDirectory(e, dir, m.mode(), m.mtimeNs());
                }
            }
        }
        touchedDirs.clear();
    }

    /**
     * {@code path} inside DEST when every parent on the way is a real directory (the entry itself may be absent),
     * else null: nothing of the mirror can be below a link or a file.
     */
    public Path existing(String path) throws IOException, ProtocolException {
        RelativePaths.check(path);
        refuseStateDirAlias(path);
        String parent = RelativePaths.parent(path);
        if (parent != null) {
            int start = 0;
            while (true) {
                int slash = parent.indexOf('/', start);
                String prefix = slash < 0 ? parent : parent.substring(0, slash);
                BasicFileAttributes a = StoreLayout.attributes(FileNames.resolve(root, prefix));
                if (a == null || !a.isDirectory()) {
                    return null;
                }
                if (slash < 0) {
                    break;
                }
                start = slash + 1;
            }
        }
        return FileNames.resolve(root, path);
    }

    /**
     * Makes every parent of {@code path} a real directory, through directory handles, and returns the open parent
     * with the entry's name in it; the parent is writable.
     */
    private DestTree.Entry prepare(String path) throws IOException, ProtocolException {
        RelativePaths.check(path);
        refuseStateDirAlias(path);
        return tree.walk(path, true, touchedDirs::add);
    }

    /** Gives the owner rwx on the folder holding {@code e}, noting it so its recorded mode comes back. */
    private void writable(DestTree.Entry e) throws IOException {
        if (e.makeWritable()) {
            touchedDirs.add(e.dirPath);
        }
    }

    private void setDirectory(DestTree.Entry e, String path, int mode, long mtimeNs) throws IOException {
        e.setDirectoryAttributes(mode, mtimeNs, FileNames.resolve(root, path));
    }

    /**
     * Refuses a path whose first name this file system resolves to {@code .ferry} itself, whatever the name rules
     * missed (a case-folding, normalizing or short-name file system): compared by file key (device and inode).
     */
    private void refuseStateDirAlias(String path) throws IOException, ProtocolException {
        if (stateDirKey == null) {
            return;
        }
        int slash = path.indexOf('/');
        String first = slash < 0 ? path : path.substring(0, slash);
        BasicFileAttributes a = StoreLayout.attributes(FileNames.resolve(root, first));
        if (a != null && a.isDirectory() && stateDirKey.equals(a.fileKey())) {
            throw new ProtocolException(ErrorCode.BAD_PATH, "this file system takes '" + RelativePaths.printable(first)
                    + "' for the store's " + RelativePaths.STATE_DIR + " folder");
        }
    }

    /**
     * The reason an item failed, for {@code ack.failed}: its error code first ({@code bad-path} when this file
     * system cannot hold the name), then one line without the store's own paths or a stack trace.
     */
    public static String failureReason(Exception e) {
        if (e instanceof ProtocolException p) {
            return p.code() + ": " + p.getMessage();
        }
        if (e instanceof InvalidPathException ip) {
            return ErrorCode.BAD_PATH + ": this system cannot represent the name: " + ip.getReason();
        }
        if (e instanceof java.nio.file.FileSystemException fs) {
            String why = fs.getReason() == null ? fs.getClass().getSimpleName() : fs.getReason();
            String lower = why.toLowerCase(java.util.Locale.ROOT);
            if (lower.contains("invalid argument") || lower.contains("name too long") || lower.contains("multibyte")
                    || lower.contains("illegal byte sequence")) {
                return ErrorCode.BAD_PATH + ": this file system cannot hold the name (" + why + ")";
            }
            return ErrorCode.IO_ERROR + ": " + fs.getClass().getSimpleName() + (fs.getReason() == null ? "" : " (" + why + ")");
        }
        String message = e.getMessage() == null ? "" : ": " + RelativePaths.printable(e.getMessage());
        return ErrorCode.IO_ERROR + ": " + e.getClass().getSimpleName() + message;
    }

    private void touchParent(String path) {
        String parent = RelativePaths.parent(path);
        touchedDirs.add(parent == null ? "" : parent);
    }

    private static boolean modeMatches(Path p, int mode) throws IOException {
        int had = PosixModes.read(p);
        return had < 0 || had == (mode & 0777);
    }

    private static void setMtime(Path p, long mtimeNs) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(mtimeNs, TimeUnit.NANOSECONDS), null, null);
    }

    /**
     * True when the disk holds {@code wantNs}, possibly cut to the file system's granularity (microseconds,
     * milliseconds, seconds or the two seconds of FAT).
     */
    static boolean mtimeMatches(FileTime disk, long wantNs) {
        long had = disk.to(TimeUnit.NANOSECONDS);
        if (had == wantNs) {
            return true;
        }
        for (long unit : new long[] {1_000L, 1_000_000L, 1_000_000_000L, 2_000_000_000L}) {
            if (had == Math.floorDiv(wantNs, unit) * unit) {
                return true;
            }
        }
        return false;
    }
}
