package dev.ferry.watcher.restore;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.Chunker;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import dev.ferry.watcher.ignore.OwnTempFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Writes a folder's entries as the store lists them ({@code versions/tree}: one manifest a line, parents first)
 * under TARGET: folders, files built from chunks (those a local file already holds are read from it, the rest
 * fetched from the store many a request, each checked against its hash; a chunk this restore already wrote is read
 * back from there), symlinks as links. Each file goes to a temp file beside
 * its place ({@link OwnTempFiles}: the watcher never syncs it; a killed restore's are removed by the next one), is
 * fsynced, gets its mode and mtime, and is renamed in; folders get theirs once everything below
 * them is written. Reads the listing as it arrives, in one thread that makes the folders and checks every place
 * (in path order), and hands the files over in groups of up to {@link #GROUP_FILES} to {@link #WRITERS} writers,
 * each fetching its group's chunks in batches ({@link BatchedChunks}: one answer of at most 4 MiB in memory a
 * writer); holds the manifests of at most {@code 2 * WRITERS} groups (a chunk two groups share is fetched by both)
 * and a bounded map of chunks written ({@link WrittenChunks}), never the tree.
 *
 * <p>Never writes outside TARGET: every path is checked with the protocol's path rules and must lie in the
 * restored folder, and nothing is written through a symlink below TARGET. Never deletes: an entry in the way
 * (a folder where a file goes, a file where a folder goes) is left and reported, and a differing file or link is
 * replaced only with {@code overwrite}.
 */
public final class TreeRestorer {
    /** Files written at once: their chunk fetches and fsyncs overlap. */
    static final int WRITERS = 4;
    /**
     * Files handed to a writer together: the chunks they download are fetched many a request
     * ({@link BatchedChunks}). Small enough that a few thousand files still keep every writer busy.
     */
    static final int GROUP_FILES = 256;

    private final Path target;
    private final String dir;
    private final Path sourceDir;
    private final boolean overwrite;
    private final boolean intoFolder;
    private final int writerThreads;
    private final RemoteChunks remote;
    private final Chunker chunker;
    private final PrintStream err;
    private RestoreReport report;
    private WrittenChunks written;
    /** The last folder below TARGET found to be a real folder (no link): its children need no new check. */
    private String checkedParent;
    /** Files read from the listing, not yet handed to a writer. */
    private List<PendingFile> group = new ArrayList<>();
    private int groupChunks;
    private long groupBytes;
    /** When this restore began: a temp file of ours changed before it is a killed restore's, and goes. */
    private long startedMillis;

    private record PendingFile(Manifest m, String relative, Path local) {
    }

    /**
     * @param target    where the folder {@code dir} is rebuilt, or the file or link {@code dir} is written
     * @param dir       the restored folder's wire path, "" for the whole store folder
     * @param sourceDir the folder's counterpart in SOURCE, whose files may hold wanted chunks; null when unknown
     * @param overwrite replace files and links that differ (else they are left and reported)
     * @param intoFolder a file or link {@code dir} goes into {@code target} when that is an existing folder (a
     *                   {@code --to} naming a folder), instead of finding it in the way
     */
    public TreeRestorer(Path target, String dir, Path sourceDir, boolean overwrite, boolean intoFolder,
                        RemoteChunks remote, Chunker chunker, PrintStream err) {
        this(target, dir, sourceDir, overwrite, intoFolder, WRITERS, remote, chunker, err);
    }

    /** With {@code writerThreads} files written at once (1: in listing order). */
    TreeRestorer(Path target, String dir, Path sourceDir, boolean overwrite, boolean intoFolder, int writerThreads,
                 RemoteChunks remote, Chunker chunker, PrintStream err) {
        this.writerThreads = writerThreads;
        this.target = target.toAbsolutePath().normalize();
        this.dir = dir;
        this.sourceDir = sourceDir;
        this.overwrite = overwrite;
        this.intoFolder = intoFolder;
        this.remote = remote;
        this.chunker = chunker;
        this.err = err;
    }

    /** Restores every entry of {@code ndjson} (read to its end); the report says what was done and what not. */
    public RestoreReport restore(InputStream ndjson) throws IOException {
        report = new RestoreReport();
        written = new WrittenChunks();
        checkedParent = null;
        group = new ArrayList<>();
        groupChunks = 0;
        groupBytes = 0;
        startedMillis = System.currentTimeMillis();
        ExecutorService writers = Executors.newFixedThreadPool(writerThreads, r -> {
            Thread t = new Thread(r, "ferry-restore-writer");
            t.setDaemon(true);
            return t;
        });
        Semaphore waiting = new Semaphore(2 * writerThreads);
        try (FolderTimes folders = new FolderTimes();
             BufferedReader lines = new BufferedReader(new InputStreamReader(ndjson, StandardCharsets.UTF_8))) {
            long read = 0;
            while (true) {
                String line;
                try {
                    line = lines.readLine();
                } catch (IOException e) {
                    throw new IOException("the store's listing broke off after " + read + " entries (" + why(e)
                            + "); what was written stays, run the restore again to finish it", e);
                }
                if (line == null) {
                    break;
                }
                if (!line.isBlank()) {
                    read++;
                    entry(line, folders, writers, waiting);
                }
            }
            handOver(writers, waiting);
            writers.shutdown();
            awaitQuietly(writers);
            folders.replay(this::finishFolder);
        } finally {
            // On a failure too, the files already handed to the writers are finished: a restore run again after a
            // broken listing finds them in place and fetches nothing for them.
            handOver(writers, waiting);
            writers.shutdown();
            awaitQuietly(writers);
        }
        report.finish();
        return report;
    }

    private static void awaitQuietly(ExecutorService writers) throws IOException {
        try {
            while (!writers.awaitTermination(1, TimeUnit.MINUTES)) {
                // A slow store or disk: the writers end when their files are written or have failed.
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while files were being written");
        }
    }

    private void entry(String line, FolderTimes folders, ExecutorService writers, Semaphore waiting)
            throws IOException {
        Manifest m;
        try {
            m = Wire.mapper().readValue(line, Manifest.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            refuse("a line that is not a manifest: " + RelativePaths.printable(line));
            return;
        }
        String relative = relative(m.path());
        if (relative == null) {
            return;
        }
        Path local;
        try {
            local = relative.isEmpty() ? rootPlace(m) : FileNames.resolve(target, relative);
        } catch (IllegalArgumentException e) {
            notRestored(m.path(), "its name cannot be written here: " + e.getMessage());
            return;
        }
        try {
            if (!parentReady(relative, local)) {
                return;
            }
            switch (m.type()) {
                case DIRECTORY -> folder(m, relative, local, folders);
                case SYMLINK -> link(m, local);
                default -> {
                    if (relative.isEmpty()) {
                        removeKilledTemps(local.getParent());
                    }
                    group.add(new PendingFile(m, relative, local));
                    groupChunks += m.chunks().size();
                    groupBytes += m.size();
                    if (group.size() >= GROUP_FILES || groupChunks >= BatchedChunks.MAX_CHUNKS
                            || groupBytes >= BatchedChunks.MAX_BYTES) {
                        handOver(writers, waiting);
                    }
                }
            }
        } catch (IOException e) {
            notRestored(m.path(), why(e));
        }
    }

    /**
     * Hands the files read so far to a writer, which fetches the chunks they download in batches and writes them in
     * order. At most {@code 2 * writers} groups are handed over and not finished.
     */
    private void handOver(ExecutorService writers, Semaphore waiting) throws IOException {
        if (group.isEmpty()) {
            return;
        }
        List<PendingFile> files = group;
        group = new ArrayList<>();
        groupChunks = 0;
        groupBytes = 0;
        try {
            waiting.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
        writers.execute(() -> {
            try {
                RemoteChunks batched = new BatchedChunks(remote, toDownload(files));
                for (PendingFile f : files) {
                    try {
                        file(f.m(), f.relative(), f.local(), batched);
                    } catch (IOException | RuntimeException e) {
                        notRestored(f.m().path(), why(e));
                    }
                }
            } finally {
                waiting.release();
            }
        });
    }

    /**
     * The chunks {@code files} will download, in the order they will ask for them, each once: those of files with
     * no local file to reuse from (no file at their place under TARGET or SOURCE), less the chunks this restore
     * already wrote. A file with a local counterpart usually lacks few chunks: they are fetched alone.
     */
    private List<ChunkRef> toDownload(List<PendingFile> files) {
        List<ChunkRef> planned = new ArrayList<>();
        Set<ChunkHash> seen = new HashSet<>();
        for (PendingFile f : files) {
            if (Files.exists(f.local(), LinkOption.NOFOLLOW_LINKS) || sourceCounterpart(f.relative(), f.local()) != null) {
                continue;
            }
            for (ChunkRef c : f.m().chunks()) {
                if (seen.add(c.hash()) && !written.holds(c.hash())) {
                    planned.add(c);
                }
            }
        }
        return planned;
    }

    /** The regular file at {@code relative} under SOURCE's counterpart of DIR, when it is not {@code local}. */
    private Path sourceCounterpart(String relative, Path local) {
        if (sourceDir == null) {
            return null;
        }
        Path inSource = relative.isEmpty() ? sourceDir : FileNames.resolve(sourceDir, relative);
        return !inSource.equals(local) && Files.isRegularFile(inSource, LinkOption.NOFOLLOW_LINKS) ? inSource : null;
    }

    /**
     * Deletes the temp files a killed restore left in {@code folder} (ours by their name, regular files, last changed
     * before this restore began: a restore running at the same time keeps its own). Best effort.
     */
    private void removeKilledTemps(Path folder) {
        if (folder == null) {
            return;
        }
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(folder,
                p -> OwnTempFiles.isOwn(p.getFileName().toString()))) {
            for (Path p : temps) {
                BasicFileAttributes a = attributes(p);
                if (a != null && a.isRegularFile() && changedMillis(p, a) < startedMillis) {
                    Files.deleteIfExists(p);
                    err.println("ferry-watcher: removed " + p + ", left by a restore that did not finish");
                }
            }
        } catch (IOException | RuntimeException e) {
            // A folder that cannot be listed keeps its leftovers; the restore itself goes on.
        }
    }

    /** When {@code p}'s inode last changed (ctime: a restore sets a temp file's mtime, never its ctime). */
    private static long changedMillis(Path p, BasicFileAttributes a) {
        try {
            Object ctime = Files.getAttribute(p, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
            if (ctime instanceof FileTime t) {
                return t.toMillis();
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // Not a unix file system: the modification time has to do.
        }
        return a.lastModifiedTime().toMillis();
    }

    private static String why(Exception e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The path below TARGET of wire path {@code path}; null (refused and said) when it breaks the rules. */
    private String relative(String path) {
        if (path == null) {
            refuse("an entry without a path");
            return null;
        }
        if (path.isEmpty()) {
            if (dir.isEmpty()) {
                return "";
            }
            refuse("the folder's root, outside " + dir);
            return null;
        }
        String why = RelativePaths.problem(path);
        if (why != null) {
            refuse(why + ": " + RelativePaths.printable(path));
            return null;
        }
        if (!dir.isEmpty() && !RelativePaths.isUnder(path, dir)) {
            refuse(RelativePaths.printable(path) + " lies outside the restored folder " + RelativePaths.printable(dir));
            return null;
        }
        return dir.isEmpty() ? path : path.equals(dir) ? "" : path.substring(dir.length() + 1);
    }

    /** TARGET itself, or inside it for a file or link restored into an existing folder. */
    private Path rootPlace(Manifest m) {
        if (intoFolder && m.type() != EntryType.DIRECTORY && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            String name = m.path().substring(m.path().lastIndexOf('/') + 1);
            return FileNames.resolve(target, name);
        }
        return target;
    }

    /**
     * Makes sure every folder between TARGET and {@code local} is a real folder (created when missing, never
     * a link followed); false (said) when something else is in the way.
     */
    private boolean parentReady(String relative, Path local) throws IOException {
        Path parent = local.getParent();
        if (parent == null) {
            return true;
        }
        if (relative.isEmpty() || !local.startsWith(target) || local.equals(target)) {
            // TARGET itself (or a file put into it): the user named this place; its parents are made as asked.
            Files.createDirectories(parent);
            return true;
        }
        String parentRelative = RelativePaths.parent(relative);
        if (parentRelative == null || parentRelative.equals(checkedParent)) {
            if (parentRelative == null && !isFolder(target)) {
                Files.createDirectories(target);
            }
            return true;
        }
        if (!isFolder(target)) {
            Files.createDirectories(target);
        }
        Path at = target;
        for (String segment : parentRelative.split("/")) {
            at = FileNames.resolve(at, segment);
            BasicFileAttributes a = attributes(at);
            if (a == null) {
                try {
                    Files.createDirectory(at);
                } catch (FileAlreadyExistsException raced) {
                    // Checked again below.
                }
                a = attributes(at);
            }
            if (a == null || !a.isDirectory() || a.isSymbolicLink()) {
                notRestored(dir(relative), (a != null && a.isSymbolicLink() ? "a symlink" : "a file")
                        + " is in the way at " + at + " (never followed, never deleted)");
                return false;
            }
        }
        checkedParent = parentRelative;
        return true;
    }

    private void folder(Manifest m, String relative, Path local, FolderTimes folders) throws IOException {
        BasicFileAttributes a = attributes(local);
        if (a == null) {
            if (relative.isEmpty()) {
                Files.createDirectories(local);
            } else {
                Files.createDirectory(local);
            }
        } else if (!a.isDirectory() || a.isSymbolicLink()) {
            notRestored(m.path(), (a.isSymbolicLink() ? "a symlink" : "a file") + " is in the way at " + local
                    + " (never deleted)");
            return;
        } else {
            removeKilledTemps(local);
        }
        report.addFolder();
        folders.add(relative, m.mode(), m.mtimeNs());
    }

    private void finishFolder(FolderTimes.Folder f) throws IOException {
        Path local = f.relative().isEmpty() ? target : FileNames.resolve(target, f.relative());
        BasicFileAttributes a = attributes(local);
        if (a == null || !a.isDirectory() || a.isSymbolicLink()) {
            return;
        }
        setMode(local, f.mode() & 01777);
        setMtime(local, f.mtimeNs());
    }

    private void link(Manifest m, Path local) throws IOException {
        BasicFileAttributes a = attributes(local);
        if (a != null) {
            if (a.isSymbolicLink() && FileNames.linkTarget(Files.readSymbolicLink(local)).equals(m.target())) {
                report.addLink();
                return;
            }
            if (a.isDirectory()) {
                notRestored(m.path(), "a folder is in the way at " + local + " (never deleted)");
                return;
            }
            if (!overwrite) {
                notRestored(m.path(), local + " exists and differs: left as it is (--overwrite replaces it)");
                return;
            }
        }
        Path tmp = temp(local);
        Files.createSymbolicLink(tmp, FileNames.targetPath(m.target()));
        try {
            try {
                Files.getFileAttributeView(tmp, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setTimes(FileTime.from(m.mtimeNs(), TimeUnit.NANOSECONDS), null, null);
            } catch (IOException | UnsupportedOperationException e) {
                // Not every platform sets a link's own time; the link and its target are what matter.
            }
            Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        report.addLink();
    }

    private void file(Manifest m, String relative, Path local, RemoteChunks from) throws IOException {
        BasicFileAttributes a = attributes(local);
        if (a != null && (a.isDirectory() || a.isOther())) {
            notRestored(m.path(), (a.isDirectory() ? "a folder" : "something") + " is in the way at " + local
                    + " (never deleted)");
            return;
        }
        boolean hasFile = a != null && a.isRegularFile();
        List<Path> candidates = new ArrayList<>(2);
        if (hasFile) {
            candidates.add(local);
        }
        Path inSource = sourceCounterpart(relative, local);
        if (inSource != null) {
            candidates.add(inSource);
        }
        try (LocalChunks locals = LocalChunks.find(chunker, m.chunks(), candidates)) {
            if (hasFile && a.size() == m.size() && locals.firstIsIdentical()) {
                setMode(local, m.mode() & 0777);
                setMtime(local, m.mtimeNs());
                report.addFile(0, 0, m.size());
                remember(m, local);
                return;
            }
            if (a != null && !overwrite) {
                notRestored(m.path(), local + " exists and differs: left as it is (--overwrite replaces it)");
                return;
            }
            write(m, local, locals, from);
        }
    }

    /** Writes {@code m}'s bytes to a temp file beside {@code local}, fsyncs it, sets mode and mtime, renames it in. */
    private void write(Manifest m, Path local, LocalChunks locals, RemoteChunks from) throws IOException {
        Path tmp = temp(local);
        // A chunk fetched once is read back from the temp file when the file holds it again (runs of zeros).
        Map<ChunkHash, Long> fetched = new HashMap<>();
        long downloaded = 0;
        long chunksDownloaded = 0;
        long reused = 0;
        boolean done = false;
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long offset = 0;
            for (ChunkRef c : m.chunks()) {
                byte[] bytes = locals.read(c.hash(), c.length());
                if (bytes == null) {
                    Long earlier = fetched.get(c.hash());
                    bytes = earlier == null ? written.read(c.hash(), c.length()) : readBack(out, earlier, c);
                }
                if (bytes != null) {
                    reused += c.length();
                } else {
                    bytes = from.get(c.hash(), c.length());
                    downloaded += c.length();
                    chunksDownloaded++;
                    fetched.putIfAbsent(c.hash(), offset);
                }
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    out.write(buf, offset + buf.position());
                }
                offset += c.length();
            }
            out.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
        try {
            setMode(tmp, m.mode() & 0777);
            setMtime(tmp, m.mtimeNs());
            Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        report.addFile(m.size(), downloaded, reused);
        report.addDownloads(chunksDownloaded);
        remember(m, local);
    }

    /** Notes where {@code m}'s chunks now lie, for the files after it. */
    private void remember(Manifest m, Path local) {
        long offset = 0;
        for (ChunkRef c : m.chunks()) {
            written.add(c.hash(), local, offset);
            offset += c.length();
        }
    }

    private static byte[] readBack(FileChannel ch, long offset, ChunkRef c) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(c.length());
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                return null;
            }
        }
        byte[] bytes = buf.array();
        return ChunkHash.compute(bytes, 0, bytes.length).equals(c.hash()) ? bytes : null;
    }

    private static Path temp(Path local) {
        return local.resolveSibling(OwnTempFiles.newRestoreName());
    }

    private static boolean isFolder(Path p) {
        return Files.isDirectory(p);
    }

    private static BasicFileAttributes attributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void setMode(Path p, int mode) throws IOException {
        try {
            Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (view != null) {
                view.setPermissions(permissions(mode));
            }
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        PosixFilePermission[] bits = PosixFilePermission.values(); // OWNER_READ (0400) ... OTHERS_EXECUTE (0001)
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (0400 >> i)) != 0) {
                perms.add(bits[i]);
            }
        }
        return perms;
    }

    private static void setMtime(Path p, long mtimeNs) throws IOException {
        Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                .setTimes(FileTime.from(mtimeNs, TimeUnit.NANOSECONDS), null, null);
    }

    private String dir(String relative) {
        return dir.isEmpty() ? relative : relative.isEmpty() ? dir : dir + "/" + relative;
    }

    private void notRestored(String path, String why) {
        report.addSkipped();
        err.println("ferry-watcher: not restored: " + RelativePaths.printable(path) + ": " + why);
    }

    private void refuse(String why) {
        report.addRefused();
        err.println("ferry-watcher: refused from the store: " + why);
    }
}
