package dev.ferry.store.storage;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The applied mirror: path -> manifest of every entry materialized in DEST, in memory, persisted as the
 * append-only journal {@code .ferry/index.log} of JSON lines {@code {"put":manifest}} and {@code {"del":path}}
 * (a del removes the path and everything below it), and {@code {"damaged":path}} (DEST holds something else at
 * path that the store cannot rebuild: the entry stays, so the file is never swept away as foreign, but its digest
 * is {@link #DAMAGED}, so a reconcile asks the watcher for it again). Replayed and compacted at start; a torn last
 * line is ignored. Thread-safe; changes reach the disk at {@link #flush()}. A failed journal write or fsync makes
 * {@link #flush()} fail until {@link #recover()} rewrote the journal from memory: no line is appended after a
 * torn one.
 */
@Singleton
public class MirrorIndex implements Closeable {
    private static final Logger LOG = Logger.getLogger(MirrorIndex.class);

    /** One line of the journal. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JournalLine(Manifest put, String del, String damaged) {
        public JournalLine(Manifest put, String del) {
            this(put, del, null);
        }
    }

    /** The digest of an entry marked {@link #markDamaged damaged}: equal to no manifest's digest. */
    public static final String DAMAGED = "damaged";

    /** How journal bytes reach the disk; tests put in one that fails (a full disk, an I/O error). */
    public interface JournalDisk {
        JournalDisk REAL = new JournalDisk() {
        };

        default void write(FileChannel channel, java.nio.ByteBuffer bytes) throws IOException {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }

        default void force(FileChannel channel) throws IOException {
            channel.force(false);
        }
    }

    private record Entry(Manifest manifest, String digest) {
    }

    private final TreeMap<String, Entry> entries = new TreeMap<>();
    private final Path file;
    private final Path tmpDir;
    private FileChannel channel;
    private OutputStream journal;
    private volatile JournalDisk disk = JournalDisk.REAL;
    /** Why the journal last failed, until {@link #recover()} rewrote it; null while it is healthy. */
    private volatile String failed;
    private String rootDigest;
    private boolean unflushed;
    private volatile int size;
    private volatile long fileBytes;
    private volatile boolean reconciled;

    @Inject
    public MirrorIndex(StoreLayout layout) throws IOException {
        this(layout.indexFile(), layout.tmpDir());
    }

    public MirrorIndex(Path file, Path tmpDir) throws IOException {
        this.file = file;
        this.tmpDir = tmpDir;
        if (Files.exists(file)) {
            replay();
        }
        compact(tmpDir);
        openJournal();
        size = entries.size();
    }

    private void openJournal() throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        channel = ch;
        journal = new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                disk.write(ch, java.nio.ByteBuffer.wrap(b, off, len));
            }
        }, 64 * 1024);
    }

    /** For tests: how the journal's bytes are written and forced from now on. */
    public void journalDiskForTests(JournalDisk disk) {
        this.disk = disk;
    }

    private void replay() throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lines.add(line);
            }
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
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
                if (i == lines.size() - 1) {
                    LOG.infof("Ignoring the torn last line of %s", file);
                } else {
                    LOG.warnf("Skipping unreadable line %d of %s: %s", i + 1, file, e.getMessage());
                }
            }
        }
    }

    private void compact(Path tmpDir) throws IOException {
        Path tmp = tmpDir.resolve("index.log.compact");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 64 * 1024)) {
            for (Entry e : entries.values()) {
                out.write(Wire.mapper().writeValueAsBytes(new JournalLine(e.manifest(), null)));
                out.write('\n');
                if (DAMAGED.equals(e.digest())) {
                    out.write(Wire.mapper().writeValueAsBytes(new JournalLine(null, null, e.manifest().path())));
                    out.write('\n');
                }
            }
            out.flush();
            ch.force(true);
        }
        PosixModes.set(tmp, 0600); // the journal names every path of the mirror
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }

    public synchronized Manifest get(String path) {
        Entry e = entries.get(path);
        return e == null ? null : e.manifest();
    }

    /** The manifest digest recorded for {@code path}, or null. */
    public synchronized String digestOf(String path) {
        Entry e = entries.get(path);
        return e == null ? null : e.digest();
    }

    public int size() {
        return size;
    }

    /** The sizes of every file entry added up: what the mirror holds before deduplication. */
    public long fileBytes() {
        return fileBytes;
    }

    /** True when some entry lies strictly below {@code path}. */
    public synchronized boolean hasBelow(String path) {
        String next = entries.ceilingKey(path + "/");
        return next != null && next.startsWith(path + "/");
    }

    /** Every manifest, in path order (a parent before what lies below it). */
    public synchronized List<Manifest> snapshot() {
        List<Manifest> out = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            out.add(e.manifest());
        }
        return out;
    }

    /** Every path with its digest, in path order. */
    public synchronized List<Map.Entry<String, String>> digests() {
        List<Map.Entry<String, String>> out = new ArrayList<>(entries.size());
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            out.add(Map.entry(e.getKey(), e.getValue().digest()));
        }
        return out;
    }

    /**
     * Records {@code m} as applied. A file or symlink has nothing below it, and nothing above an entry is anything
     * but a directory, so such stale entries go too.
     */
    public synchronized void put(Manifest m) throws IOException {
        String parent = RelativePaths.parent(m.path());
        while (parent != null) {
            Entry above = entries.get(parent);
            if (above != null && above.manifest().type() != EntryType.DIRECTORY) {
                remove(parent);
            }
            parent = RelativePaths.parent(parent);
        }
        if (m.type() != EntryType.DIRECTORY && hasBelow(m.path())) {
            remove(m.path());
        }
        apply(m);
        write(new JournalLine(m, null));
    }

    /** Forgets {@code path} and everything below it. */
    public synchronized void remove(String path) throws IOException {
        if (drop(path)) {
            write(new JournalLine(null, path));
        }
    }

    /** Moves {@code from} and everything below it to {@code to}, replacing whatever was at {@code to}. */
    public synchronized void rebase(String from, String to) throws IOException {
        List<Manifest> moved = new ArrayList<>();
        for (Entry e : under(from).values()) {
            moved.add(e.manifest().withPath(RelativePaths.rebase(e.manifest().path(), from, to)));
        }
        remove(from);
        remove(to);
        for (Manifest m : moved) {
            put(m);
        }
    }

    /** The root digest over every applied entry, as {@link dev.ferry.protocol.RootDigest#of} computes it. */
    public synchronized String rootDigest() {
        if (rootDigest == null) {
            MessageDigest md = ChunkHash.newDigest();
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue().digest().getBytes(StandardCharsets.US_ASCII));
                md.update((byte) '\n');
            }
            rootDigest = HexFormat.of().formatHex(md.digest());
        }
        return rootDigest;
    }

    /**
     * Keeps the entry at {@code path} but gives it the digest {@link #DAMAGED}: what DEST holds there differs from
     * it and cannot be rebuilt (its chunks are gone), so the next reconcile asks the watcher for it. False when
     * there is no such entry.
     */
    public synchronized boolean markDamaged(String path) throws IOException {
        if (!damage(path)) {
            return false;
        }
        write(new JournalLine(null, null, path));
        return true;
    }

    /** True when the entry at {@code path} is {@link #markDamaged marked damaged}. */
    public synchronized boolean damaged(String path) {
        Entry e = entries.get(path);
        return e != null && DAMAGED.equals(e.digest());
    }

    /** Whether a watcher has completed a reconcile with this index since start. */
    public boolean reconciled() {
        return reconciled;
    }

    public void markReconciled() {
        reconciled = true;
    }

    /**
     * Writes buffered journal lines and forces them to the disk. Throws while the journal is failed (a write or
     * fsync failed since the last {@link #recover()}): what it holds on disk is then unknown.
     */
    public synchronized void flush() throws IOException {
        if (failed != null) {
            throw new IOException("the index journal failed (" + failed + ") and is not recovered yet");
        }
        if (unflushed) {
            try {
                journal.flush();
                disk.force(channel);
            } catch (IOException | RuntimeException e) {
                fail(e);
                throw e;
            }
            unflushed = false;
        }
    }

    /** Why the journal failed, or null when it is healthy. */
    public String failure() {
        return failed;
    }

    /**
     * Rewrites a failed journal from the index in memory (which holds what DEST holds: an entry is recorded only
     * after it is applied), to a temp file, fsynced and renamed over the old one, then appends to it again.
     * Nothing to do when the journal is healthy; throws, leaving it failed, when the rewrite fails too.
     */
    public synchronized void recover() throws IOException {
        if (failed == null) {
            return;
        }
        try {
            journal.close();
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Closing the failed journal: %s", e);
        }
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debugf("Closing the failed journal's channel: %s", e);
        }
        compact(tmpDir);
        openJournal();
        unflushed = false;
        LOG.infof("Rewrote the index journal %s from the %d entries in memory after its failure (%s)", file,
                entries.size(), failed);
        failed = null;
    }

    @Override
    public synchronized void close() throws IOException {
        if (failed != null) {
            recover();
        }
        if (channel.isOpen()) {
            try {
                flush();
            } finally {
                journal.close();
            }
        }
    }

    private void fail(Exception e) {
        if (failed == null) {
            failed = String.valueOf(e);
            LOG.errorf("The index journal %s failed: %s", file, e);
        }
    }

    private NavigableMap<String, Entry> under(String path) {
        TreeMap<String, Entry> out = new TreeMap<>();
        Entry self = entries.get(path);
        if (self != null) {
            out.put(path, self);
        }
        // '0' follows '/', so this range is exactly the paths below path/.
        out.putAll(entries.subMap(path + "/", true, path + "0", false));
        return out;
    }

    private void apply(Manifest m) {
        Entry old = entries.put(m.path(), new Entry(m, m.digest()));
        fileBytes += bytesOf(m) - (old == null ? 0 : bytesOf(old.manifest()));
        rootDigest = null;
        size = entries.size();
    }

    private boolean damage(String path) {
        Entry e = entries.get(path);
        if (e == null || DAMAGED.equals(e.digest())) {
            return false;
        }
        entries.put(path, new Entry(e.manifest(), DAMAGED));
        rootDigest = null;
        return true;
    }

    private boolean drop(String path) {
        Entry self = entries.remove(path);
        boolean any = self != null;
        long bytes = self == null ? 0 : bytesOf(self.manifest());
        NavigableMap<String, Entry> below = entries.subMap(path + "/", true, path + "0", false);
        if (!below.isEmpty()) {
            for (Entry e : below.values()) {
                bytes += bytesOf(e.manifest());
            }
            below.clear();
            any = true;
        }
        if (any) {
            fileBytes -= bytes;
            rootDigest = null;
            size = entries.size();
        }
        return any;
    }

    private static long bytesOf(Manifest m) {
        return m.type() == EntryType.FILE ? m.size() : 0;
    }

    /** Appends {@code line}; while the journal is failed nothing is appended (the recovery rewrites it whole). */
    private void write(JournalLine line) throws IOException {
        if (failed != null) {
            return;
        }
        try {
            journal.write(Wire.mapper().writeValueAsBytes(line));
            journal.write('\n');
        } catch (IOException | RuntimeException e) {
            fail(e);
            throw e;
        }
        unflushed = true;
    }
}
