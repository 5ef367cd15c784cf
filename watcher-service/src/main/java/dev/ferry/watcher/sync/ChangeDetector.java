package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.watcher.ignore.SourceIgnoreRules;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.HashResult;
import dev.ferry.watcher.scan.ScannedEntry;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.CachedEntry;
import dev.ferry.watcher.state.LocalStateCache;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Runs one flush: looks again at the dirty paths, diffs what it finds against the {@link LocalStateCache}, and
 * emits the change items that turn the cached tree into the one on disk, updating the cache as it goes.
 *
 * <p>Renames are recognised by identity: an entry that appears with the (inode, type) of one that vanished in the
 * same flush, and for files also the same size and mtime, is sent as a {@code move} carrying the cached manifest,
 * so a renamed file is neither re-hashed nor re-uploaded and a renamed directory moves as one item. Order of the
 * items: moves and new directories first (parents before children, and a path vacated before it is reused), then
 * deletes and upserts in path order. A vanished directory is one delete.
 *
 * <p>A full walk holds only what may take part in a move: an entry that is the cached one (same type and inode, below
 * folders that are too), or any entry when the cache was empty, cannot be a move's end, so it is planned in batches
 * of {@link #STREAM_BATCH} as the walk goes, and the walk marks what is gone folder by folder against the cache. The
 * heap of a full scan then grows with what changed, not with the tree (the first sync and a restart hold a batch).
 * Past {@link #holdLimit} held entries (a restart after a first sync that stopped halfway finds half the tree new),
 * a new entry outside the held folders is planned as it is found too: it is sent as new even if it was moved, and
 * what it was moved from is deleted (the same tree, at the cost of hashing it again).
 *
 * <p>Confined to one thread (the sync engine's tree thread).
 */
public final class ChangeDetector {
    private static final Logger LOG = Logger.getLogger(ChangeDetector.class);
    /** Entries a full walk gathers before it plans them (and hashes their files, {@link #window} at a time). */
    static final int STREAM_BATCH = 2048;
    /** Held entries (see the class comment) past which a full walk plans new entries as it finds them: ~15 MiB. */
    static final int HOLD_LIMIT = 50_000;

    /** Receives what a flush decides, in order. */
    public interface Listener {
        /** The next change item; the cache already reflects it. */
        void emit(Change change);

        /**
         * The next change item, a file upsert whose content is mostly that of {@code base}, the version the store
         * holds at {@code basePath} (the path's previous version, or a file with the same first chunk): it may be
         * sent as a patch against it.
         */
        default void emit(Change change, String basePath, Manifest base) {
            emit(change);
        }

        /** A directory is about to be listed: watch it. */
        default void watchDirectory(String dirPath, Path dir) {
        }

        /** The directory {@code from} moved to {@code to}. */
        default void directoryMoved(String from, String to) {
        }

        /** {@code path} and everything below it left the tree. */
        default void removed(String path) {
        }

        /** A file changed while it was hashed, for the {@code attempt}-th time in a row: look again later. */
        default void retryLater(String path, int attempt) {
        }

        /** A file is there and unchanged since it was last hashed. */
        default void unchanged(String path) {
        }

        /** A file cannot be read (permission denied, I/O error): skipped, its last synced version stays. */
        default void unreadable(String path, String reason) {
        }

        /**
         * {@code path} could not be looked at (its stat failed, or as a folder it could not be listed): it and
         * what lies below it are kept as last synced; walk it again after {@code delay}.
         */
        default void lookAgainLater(String path, java.time.Duration delay) {
        }

        /**
         * The ignore rules changed: called before any change item that depends on them. Entries the new rules
         * ignore have already left the cache (with no delete: the store forgets them and leaves them in DEST).
         */
        default void ignoreRulesChanged(IgnoreSet rules) {
        }

        /** {@code path} left the tree because the rules now ignore it: stop watching it. */
        default void ignored(String path) {
        }

        /**
         * The ignore file of {@code dirPath} cannot be read or taken ({@code reason}): what lies below that folder
         * is unknown and kept as last synced.
         */
        default void ignoreFileUnreadable(String dirPath, String reason) {
        }
    }

    /** Builds a detector that reports to the given listener (the engine, which is built with it). */
    @FunctionalInterface
    public interface Factory {
        ChangeDetector create(Listener listener);
    }

    /**
     * What a flush did.
     *
     * @param changes number of items emitted
     * @param guarded the flush was refused because the source root is missing or suddenly empty
     * @param why     why it was refused (null when not)
     */
    public record FlushResult(int changes, boolean guarded, String why) {
        public FlushResult(int changes, boolean guarded) {
            this(changes, guarded, null);
        }
    }

    private final SourceScanner scanner;
    private final FileHasher hasher;
    private final LocalStateCache cache;
    private final Listener listener;
    private final boolean allowEmptySource;
    private final Map<String, Integer> unstableAttempts = new HashMap<>();
    private final UnknownRetries unknownRetries = new UnknownRetries();
    private final Executor hashPool;
    private final int window;
    private boolean guardLogged;
    private final DeleteBrake brake;
    private final SourceIgnoreRules ignores;
    /** Folders whose ignore file cannot be read now, with why (an ERROR is logged once per folder and reason). */
    private final java.util.TreeMap<String, String> unreadableIgnoreFiles = new java.util.TreeMap<>();
    private int holdLimit = HOLD_LIMIT;

    public ChangeDetector(SourceScanner scanner, FileHasher hasher, LocalStateCache cache, Listener listener,
                          boolean allowEmptySource) {
        this(scanner, hasher, cache, listener, allowEmptySource, null, 0);
    }

    /**
     * With {@code hashPool} (null: hash on the calling thread), the files a flush must hash are hashed up to
     * {@code window} at a time on the pool, ahead of the in-order walk that consumes the results, so a scan of many
     * files uses every core while changes are still emitted in path order.
     */
    public ChangeDetector(SourceScanner scanner, FileHasher hasher, LocalStateCache cache, Listener listener,
                          boolean allowEmptySource, Executor hashPool, int window) {
        this(scanner, hasher, cache, listener, allowEmptySource, hashPool, window, DeleteBrake.off());
    }

    /** With {@code brake} deciding which deletions a flush sends and which it holds. */
    public ChangeDetector(SourceScanner scanner, FileHasher hasher, LocalStateCache cache, Listener listener,
                          boolean allowEmptySource, Executor hashPool, int window, DeleteBrake brake) {
        this(scanner, hasher, cache, listener, allowEmptySource, hashPool, window, brake,
                SourceIgnoreRules.withoutExcludes());
    }

    /** With {@code ignores}: the ignore rules, which the walks keep up to date from the source's ignore files. */
    public ChangeDetector(SourceScanner scanner, FileHasher hasher, LocalStateCache cache, Listener listener,
                          boolean allowEmptySource, Executor hashPool, int window, DeleteBrake brake,
                          SourceIgnoreRules ignores) {
        this.ignores = ignores;
        this.brake = brake;
        this.hashPool = hashPool;
        this.window = Math.max(1, window);
        this.scanner = scanner;
        this.hasher = hasher;
        this.cache = cache;
        this.listener = listener;
        this.allowEmptySource = allowEmptySource;
    }

    /** For tests: the held entries past which a full walk plans new entries as it finds them. */
    void holdAtMost(int entries) {
        this.holdLimit = entries;
    }

    /** The ignore rules this detector follows (and keeps up to date). */
    public SourceIgnoreRules ignores() {
        return ignores;
    }

    /**
     * Why the rules are incomplete now (an ignore file that cannot be read or taken), or null when every ignore
     * file was read.
     */
    public String ignoreProblem() {
        if (unreadableIgnoreFiles.isEmpty()) {
            return null;
        }
        Map.Entry<String, String> first = unreadableIgnoreFiles.firstEntry();
        return ignoreFileMessage(first.getKey(), first.getValue())
                + (unreadableIgnoreFiles.size() > 1 ? " (and " + (unreadableIgnoreFiles.size() - 1) + " more)" : "");
    }

    static String ignoreFileMessage(String dirPath, String reason) {
        String file = dirPath.isEmpty() ? IgnoreRules.FILE_NAME : dirPath + "/" + IgnoreRules.FILE_NAME;
        return "the ignore file " + RelativePaths.printable(file) + " cannot be used (" + reason + "): what is below "
                + (dirPath.isEmpty() ? "the source folder" : RelativePaths.printable(dirPath))
                + " is left as last synced (nothing there is deleted or forgotten) until it can be read";
    }

    /** The brake on mass deletes this detector asks before deleting. */
    public DeleteBrake deleteBrake() {
        return brake;
    }

    public FlushResult flush(DirtySet dirty) {
        Observation seen = new Observation();
        IgnoreSet rulesBefore = ignores.set();
        if (dirty.full()) {
            seen.comparing = true;
            seen.streaming = true;
            seen.cacheWasEmpty = cache.size() == 0;
            if (!seen.walk("")) {
                return guard("the source folder " + scanner.root() + " is missing or not a directory");
            }
            if (seen.reported == 0 && cache.size() > 0 && !allowEmptySource && seen.unknown.isEmpty()
                    && !seen.unlisted.contains("")) {
                return guard("the source folder " + scanner.root() + " is empty, but " + cache.size()
                        + " entries were synced from it");
            }
        } else if (!java.nio.file.Files.isDirectory(scanner.root())) {
            return guard("the source folder " + scanner.root() + " is missing or not a directory");
        } else if (cache.size() > 0 && !allowEmptySource && rootIsEmpty()) {
            // Emptied at once (an unmounted disk shows its empty mount point): not a series of deletes to mirror.
            return guard("the source folder " + scanner.root() + " is empty, but " + cache.size()
                    + " entries were synced from it");
        }
        guardLogged = false;
        for (String subtree : new TreeSet<>(dirty.subtrees())) {
            if (subtree.isEmpty() || RelativePaths.isValid(subtree)) {
                seen.walk(subtree);
            }
        }
        for (String path : new TreeSet<>(dirty.paths())) {
            if (isIgnoreFile(path)) {
                // Its folder is listed again, which reads it; a change of the rules then walks everything below.
                String dir = RelativePaths.parent(path);
                seen.walk(dir == null ? "" : dir);
            }
        }
        for (String path : new TreeSet<>(dirty.paths())) {
            seen.look(path);
        }
        followRules(seen, rulesBefore);
        FlushResult result = new Plan(seen).run();
        scheduleUnknown(seen);
        return seen.planned == 0 ? result : new FlushResult(result.changes() + seen.planned, false);
    }

    private static boolean isIgnoreFile(String path) {
        return path.equals(IgnoreRules.FILE_NAME) || path.endsWith("/" + IgnoreRules.FILE_NAME);
    }

    /**
     * When this flush changed the rules (an ignore file made, edited, deleted, moved, or its folder moved): takes the
     * entries the new rules ignore out of the cache and the observation without a delete, and tells the listener,
     * before any change item of this flush. Newly un-ignored entries need no extra walk: an ignore file only rules
     * its own folder's subtree, and that subtree was walked, under the new rules, to read it (a dirty ignore file
     * walks its folder; a new or moved folder is walked whole).
     */
    private void followRules(Observation seen, IgnoreSet before) {
        ignores.forget(seen::goneFolder);
        boolean changed = !ignores.set().equals(before);
        List<String> roots = new ArrayList<>();
        if (changed) {
            seen.present.values().removeIf(e -> ignores.ignored(e.path(), e.type() == EntryType.DIRECTORY));
            for (Map.Entry<String, CachedEntry> e : cache.entries().entrySet()) {
                String path = e.getKey();
                if ((roots.isEmpty() || !RelativePaths.isUnder(path, roots.get(roots.size() - 1)))
                        && ignores.ignored(path, e.getValue().type() == EntryType.DIRECTORY) && !seen.isKept(path)) {
                    roots.add(path);
                }
            }
        } else {
            // The rules stand, but the cache may hold an entry they ignore (kept by a run that stopped before it
            // saved the cache): not seen by the walk, it must be forgotten, never deleted.
            for (String path : seen.absent) {
                CachedEntry c = cache.get(path);
                if (c != null && (roots.isEmpty() || !RelativePaths.isUnder(path, roots.get(roots.size() - 1)))
                        && ignores.ignored(path, c.type() == EntryType.DIRECTORY)) {
                    roots.add(path);
                }
            }
        }
        for (String path : roots) {
            cache.removeSubtree(path);
            seen.absent.removeIf(p -> RelativePaths.isUnder(p, path));
            listener.ignored(path);
        }
        if (changed) {
            LOG.infof("the ignore rules changed (%d ignore files, %d --exclude patterns): %d entries (with what is "
                    + "below them) are now ignored and left as they are in the mirror", ignores.folders().size(),
                    ignores.set().excludes().size(), roots.size());
            ignores.save();
            listener.ignoreRulesChanged(ignores.set());
        } else if (!roots.isEmpty()) {
            LOG.infof("forgot %d entries the ignore rules ignore", roots.size());
        }
    }

    /** Paths this flush could not look at are walked again soon; those it could are forgotten by the backoff. */
    private void scheduleUnknown(Observation seen) {
        unknownRetries.forgetIf(path -> seen.covers(path) && !seen.unknown.contains(path) && !seen.unlisted.contains(path));
        TreeSet<String> again = new TreeSet<>(seen.unknown);
        again.addAll(seen.unlisted);
        for (String path : again) {
            java.time.Duration delay = unknownRetries.failed(path);
            if (delay != null) {
                listener.lookAgainLater(path, delay);
            }
        }
    }

    private FlushResult guard(String why) {
        String message = why + ": not mirroring that as a mass delete. Changes are held until the folder is back; "
                + "set ferry.watcher.allow-empty-source=true to mirror an empty source";
        if (!guardLogged) {
            guardLogged = true;
            LOG.error(message);
        }
        return new FlushResult(0, true, message);
    }

    /**
     * True when the source root is missing, or empty while the cache holds entries and an empty source is not
     * allowed: what a flush would refuse. Cheap (one directory entry read), for polling.
     */
    public boolean wouldGuard() {
        if (!java.nio.file.Files.isDirectory(scanner.root())) {
            return true;
        }
        return cache.size() > 0 && !allowEmptySource && rootIsEmpty();
    }

    private boolean rootIsEmpty() {
        try (java.nio.file.DirectoryStream<Path> children = java.nio.file.Files.newDirectoryStream(scanner.root())) {
            return !children.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    /** What the flush found on disk. */
    private final class Observation implements SourceScanner.Visitor {
        final TreeMap<String, ScannedEntry> present = new TreeMap<>();
        final TreeSet<String> absent = new TreeSet<>();
        final List<String> walked = new ArrayList<>();
        final List<String> unlisted = new ArrayList<>();
        /** Entries that exist but could not be stat'ed: kept, with everything below them, as last synced. */
        final Set<String> unknown = new HashSet<>();
        final Set<String> looked = new HashSet<>();
        /** Entries the walks reported, planned ones included ({@link #present} holds those not planned yet). */
        long reported;
        /** The full walk is on: it marks what is gone folder by folder, as each folder is listed. */
        boolean comparing;
        /** The full walk plans, as it goes, what cannot take part in a move (see the class comment). */
        boolean streaming;
        /** The cache was empty when the flush began: nothing can have vanished, so nothing found can be a move. */
        boolean cacheWasEmpty;
        /** Found by the full walk, to be planned as the next batch, in path order. */
        final TreeMap<String, ScannedEntry> batch = new TreeMap<>();
        /** Change items the batches emitted. */
        int planned;
        /** Folders kept in {@link #present} for the final plan: what lies below them is kept there too. */
        final Set<String> heldFolders = new HashSet<>();
        /** The folder the full walk is listing, and the paths in it reported so far. */
        String listing;
        final Set<String> listedChildren = new HashSet<>();

        @Override
        public void entry(ScannedEntry entry) {
            reported++;
            String path = entry.path();
            String parent = RelativePaths.parent(path);
            if (listing != null && listing.equals(parent == null ? "" : parent)) {
                listedChildren.add(path);
            }
            if (!comparing) {
                present.put(path, entry);
                return;
            }
            CachedEntry c = cache.get(path);
            if (c != null && c.type() == EntryType.DIRECTORY && entry.type() != EntryType.DIRECTORY) {
                // No longer a folder: it is not listed, so what the cache has below it is gone.
                markGoneBelow(path);
            }
            boolean plannable = streaming && (parent == null || !heldFolders.contains(parent))
                    && !present.containsKey(path) && (c == null ? cacheWasEmpty || present.size() >= holdLimit
                            : c.type() == entry.type() && c.inode() == entry.inode());
            if (plannable) {
                batch.put(path, entry);
            } else {
                present.put(path, entry);
                if (entry.type() == EntryType.DIRECTORY) {
                    heldFolders.add(path);
                }
            }
        }

        @Override
        public void beforeListing(String dirPath, Path dir) {
            if (batch.size() >= STREAM_BATCH) {
                // Here, not in entry(): outside the scanner's handling of a folder's listing errors.
                planBatch();
            }
            listener.watchDirectory(dirPath, dir);
            if (comparing) {
                listing = dirPath;
                listedChildren.clear();
            }
        }

        /** The full walk listed {@code dirPath}: what the cache has directly in it and was not reported is gone. */
        @Override
        public void listed(String dirPath) {
            if (!comparing || !dirPath.equals(listing)) {
                return;
            }
            for (String path : cache.children(dirPath)) {
                if (!listedChildren.contains(path) && !isKept(path)) {
                    absent.add(path);
                    markGoneBelow(path);
                }
            }
            listing = null;
            listedChildren.clear();
        }

        private void markGoneBelow(String path) {
            for (String below : cache.below(path).keySet()) {
                if (!isKept(below)) {
                    absent.add(below);
                }
            }
        }

        /** Plans the gathered batch: upserts (and hashing) of entries that are new, or the cached ones. */
        void planBatch() {
            if (batch.isEmpty()) {
                return;
            }
            Observation part = new Observation();
            part.present.putAll(batch);
            batch.clear();
            planned += new Plan(part).run().changes();
        }

        @Override
        public void unlisted(String dirPath) {
            unlisted.add(dirPath);
        }

        @Override
        public void unknown(String path) {
            unknown.add(path);
        }

        @Override
        public boolean readsIgnoreFiles() {
            return true;
        }

        @Override
        public String ignoreFile(String dirPath, String text) {
            IgnoreSet before = ignores.set();
            String problem = ignores.read(dirPath, text);
            if (streaming && ignores.set() != before && !ignores.set().equals(before)) {
                // The store must hear of the new rules before any item that depends on them: hold the rest.
                streaming = false;
            }
            if (problem == null && unreadableIgnoreFiles.remove(dirPath) != null) {
                LOG.infof("the ignore file of %s can be read again", dirPath.isEmpty() ? "the source folder"
                        : RelativePaths.printable(dirPath));
            }
            return problem;
        }

        @Override
        public void ignoreFileUnreadable(String dirPath, String reason) {
            String message = ignoreFileMessage(dirPath, reason);
            if (!reason.equals(unreadableIgnoreFiles.put(dirPath, reason))) {
                LOG.error(message);
            } else {
                LOG.debug(message);
            }
            listener.ignoreFileUnreadable(dirPath, reason);
        }

        @Override
        public boolean ignored(String path, boolean directory) {
            return ignores.ignored(path, directory);
        }

        /**
         * True when the folder {@code dir}, whose ignore file the rules hold, left the tree in this flush: it (or
         * a folder above it) vanished, or it is no longer a folder; a full walk also drops a folder it did not list.
         */
        boolean goneFolder(String dir) {
            if (isKept(dir)) {
                return false;
            }
            ScannedEntry e = present.get(dir);
            if (e != null) {
                return e.type() != EntryType.DIRECTORY;
            }
            for (String p = dir; p != null; p = RelativePaths.parent(p)) {
                if (absent.contains(p)) {
                    return true;
                }
            }
            // Not gone, in the cache and not kept: the full walk found it and planned it as it went.
            CachedEntry c = cache.get(dir);
            if (c != null && c.type() == EntryType.DIRECTORY) {
                return false;
            }
            return walked.contains("");
        }

        /** Walks {@code start} and marks what the cache has there but the disk lacks; false when the root is gone. */
        boolean walk(String start) {
            if (isWalked(start)) {
                return true;
            }
            boolean full = comparing && start.isEmpty();
            boolean isDirectory = scanner.walk(start, this);
            if (full) {
                comparing = false;
                streaming = false;
                listing = null;
                planBatch();
            }
            if (start.isEmpty() && !isDirectory) {
                return false;
            }
            walked.add(start);
            if (!start.isEmpty() && !present.containsKey(start) && cache.contains(start) && !isKept(start)) {
                absent.add(start);
            }
            if (!full) {
                markAbsentBelow(start);
            }
            return true;
        }

        private void markAbsentBelow(String start) {
            for (String path : cache.below(start).keySet()) {
                if (!present.containsKey(path) && !isKept(path)) {
                    absent.add(path);
                }
            }
        }

        /**
         * Paths the cache now has below the folders moved to {@code movedTo} that the walk did not find: a move
         * rebased the cached subtree, and entries deleted inside the moved folder show up here. (Everything else
         * the cache has and the walk did not find is already {@link #absent}; what lies below a folder moved in is
         * all in {@link #present}, as nothing below a new or replaced folder is planned early.)
         */
        Set<String> cachedButNotSeen(List<String> movedTo) {
            Set<String> gone = new HashSet<>();
            for (String w : movedTo) {
                for (String path : cache.below(w).keySet()) {
                    if (!present.containsKey(path) && !isKept(path)) {
                        gone.add(path);
                    }
                }
            }
            return gone;
        }

        /** Re-stats one path; a directory that is new or replaced is walked whole. */
        void look(String path) {
            if (path.isEmpty() || !RelativePaths.isValid(path) || isWalked(path)) {
                return;
            }
            String unknownAncestor = null;
            for (String p = RelativePaths.parent(path); p != null; p = RelativePaths.parent(p)) {
                CachedEntry c = cache.get(p);
                if (c != null && c.type() == EntryType.DIRECTORY) {
                    break;
                }
                unknownAncestor = p;
            }
            if (unknownAncestor != null) {
                walk(unknownAncestor);
                return;
            }
            looked.add(path);
            ScannedEntry entry;
            try {
                entry = scanner.stat(path);
            } catch (IOException e) {
                LOG.debugf("cannot stat %s: %s", RelativePaths.printable(path), SourceScanner.describe(e));
                unknown.add(path);
                return;
            }
            CachedEntry cached = cache.get(path);
            if (entry != null && cached == null && ignores.ignored(path, entry.type() == EntryType.DIRECTORY)) {
                return;
            }
            if (entry == null) {
                if (cached != null) {
                    absent.add(path);
                    absent.addAll(cache.below(path).keySet());
                }
            } else if (entry.type() == EntryType.DIRECTORY && (cached == null || cached.type() != EntryType.DIRECTORY
                    || cached.inode() != entry.inode())) {
                walk(path);
            } else {
                present.put(path, entry);
            }
        }

        boolean isWalked(String path) {
            for (String w : walked) {
                if (w.isEmpty() || RelativePaths.isUnder(path, w)) {
                    return true;
                }
            }
            return false;
        }

        /** True when this flush walked or re-stat'ed {@code path}. */
        boolean covers(String path) {
            return looked.contains(path) || isWalked(path);
        }

        /**
         * True when what the disk holds at {@code path} is unknown (it, or a folder above it, could not be stat'ed;
         * a folder above it could not be listed): then its cached entry stays as it is.
         */
        boolean isKept(String path) {
            for (String u : unlisted) {
                if (u.isEmpty() ? !path.isEmpty() : !path.equals(u) && RelativePaths.isUnder(path, u)) {
                    return true;
                }
            }
            if (unknown.isEmpty()) {
                return false;
            }
            for (String p = path; p != null; p = RelativePaths.parent(p)) {
                if (unknown.contains(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** True when {@code path} or one of its ancestors is in {@code roots}. */
    private static boolean isAtOrUnder(String path, Set<String> roots) {
        if (roots.isEmpty()) {
            return false;
        }
        for (String p = path; p != null; p = RelativePaths.parent(p)) {
            if (roots.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** Identity of a file's content as far as stat can tell. */
    private record Identity(long inode, long size, long mtimeNs) {
    }

    /**
     * The files a flush will hash, in the order it will ask for them, hashed ahead on the pool, at most
     * {@link #window} submitted and not yet taken; a file the walk no longer asks for is skipped.
     */
    private final class HashPrefetch {
        final List<ScannedEntry> files;
        final ArrayDeque<Future<HashResult>> submitted = new ArrayDeque<>();
        int nextToSubmit;
        int nextToTake;

        HashPrefetch(List<ScannedEntry> files) {
            this.files = files;
            fill();
        }

        private void fill() {
            while (nextToSubmit < files.size() && submitted.size() < window) {
                ScannedEntry e = files.get(nextToSubmit++);
                FutureTask<HashResult> task = new FutureTask<>(() -> hasher.hash(e));
                hashPool.execute(task);
                submitted.add(task);
            }
        }

        HashResult take(ScannedEntry now) {
            while (nextToTake < nextToSubmit && files.get(nextToTake) != now) {
                submitted.poll();
                nextToTake++;
                fill();
            }
            if (nextToTake >= files.size() || files.get(nextToTake) != now) {
                return hasher.hash(now);
            }
            Future<HashResult> f = submitted.poll();
            nextToTake++;
            fill();
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return hasher.hash(now);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    /** Turns one observation into change items. */
    private final class Plan {
        final Observation seen;
        final List<ScannedEntry> appeared = new ArrayList<>();
        final Map<Long, List<String>> vanishedByInode = new HashMap<>();
        final Map<Identity, CachedEntry> reusable = new HashMap<>();
        /** Pending moves: destination -> current source path, and back. */
        final Map<String, String> destToSource = new HashMap<>();
        final TreeMap<String, String> sourceToDest = new TreeMap<>();
        final Set<String> covered = new HashSet<>();
        final Set<String> inProgress = new HashSet<>();
        /** Where the folders this plan moved went. */
        final List<String> movedTo = new ArrayList<>();
        HashPrefetch prefetch;
        int changes;

        Plan(Observation seen) {
            this.seen = seen;
        }

        FlushResult run() {
            classify();
            match();
            for (ScannedEntry a : appeared) {
                if (destToSource.containsKey(a.path())) {
                    tryMove(a.path());
                } else if (a.type() == EntryType.DIRECTORY && !covered.contains(a.path())) {
                    createDirectory(a);
                }
            }
            TreeSet<String> all = new TreeSet<>(seen.present.keySet());
            all.addAll(seen.absent);
            all.addAll(seen.cachedButNotSeen(movedTo));
            Set<String> held = brakeDeletes(all);
            planHashing();
            try {
                if (hashPool != null) {
                    List<ScannedEntry> toHash = new ArrayList<>();
                    for (String path : all) {
                        ScannedEntry now = seen.present.get(path);
                        CachedEntry c = now == null || now.type() != EntryType.FILE ? null : cache.get(path);
                        if (now == null || now.type() != EntryType.FILE
                                || (c != null && !c.racy() && now.sameStat(c.inode(), c.size(), c.mtimeNs()))) {
                            continue;
                        }
                        CachedEntry same = c != null && c.inode() == now.inode() ? null
                                : reusable.get(new Identity(now.inode(), now.size(), now.mtimeNs()));
                        if (same == null || same.racy()) {
                            toHash.add(now);
                        }
                    }
                    if (toHash.size() > 0) {
                        prefetch = new HashPrefetch(toHash);
                    }
                }
                for (String path : all) {
                    ScannedEntry now = seen.present.get(path);
                    if (now == null) {
                        if (cache.contains(path) && !isAtOrUnder(path, held)) {
                            delete(path);
                        }
                    } else {
                        update(now);
                    }
                }
            } finally {
                hasher.planDone();
            }
            if (unstableAttempts.size() > 10_000) {
                unstableAttempts.clear();
            }
            return new FlushResult(changes, false);
        }

        /**
         * Asks the brake about this flush's deletions (after the moves, which are no deletions) and returns the
         * roots it holds: they stay in the cache, so the store keeps them and every reconcile agrees.
         */
        private Set<String> brakeDeletes(TreeSet<String> all) {
            Map<String, Integer> candidates = new java.util.LinkedHashMap<>();
            for (String path : all) {
                if (!seen.present.containsKey(path) && cache.contains(path) && !isAtOrUnder(path, candidates.keySet())) {
                    candidates.put(path, 1 + cache.below(path).size());
                }
            }
            brake.forget(root -> seen.present.containsKey(root) || !cache.contains(root));
            if (candidates.isEmpty()) {
                return Set.of();
            }
            DeleteBrake.Decision decision = brake.decide(System.nanoTime(), cache.size(), candidates);
            if (decision.newHold()) {
                LOG.warn(brake.message());
            }
            Set<String> held = new HashSet<>(candidates.keySet());
            held.removeAll(decision.allowed());
            return held;
        }

        /** Tells the hasher how many files (and bytes) this flush will likely hash, for the progress display. */
        private void planHashing() {
            long files = 0;
            long bytes = 0;
            for (ScannedEntry e : seen.present.values()) {
                if (e.type() == EntryType.FILE) {
                    CachedEntry c = cache.get(e.path());
                    if (c == null || c.racy() || !e.sameStat(c.inode(), c.size(), c.mtimeNs())) {
                        files++;
                        bytes += e.size();
                    }
                }
            }
            hasher.plan(files, bytes);
        }

        private void classify() {
            Set<String> vanished = new TreeSet<>();
            for (String path : seen.absent) {
                if (cache.contains(path)) {
                    vanished.add(path);
                }
            }
            for (ScannedEntry e : seen.present.values()) {
                CachedEntry c = cache.get(e.path());
                if (c == null || c.type() != e.type() || c.inode() != e.inode()) {
                    appeared.add(e);
                    if (c != null) {
                        vanished.add(e.path());
                    }
                }
            }
            for (String path : vanished) {
                CachedEntry c = cache.get(path);
                vanishedByInode.computeIfAbsent(c.inode(), k -> new ArrayList<>(1)).add(path);
                if (c.type() == EntryType.FILE) {
                    reusable.put(new Identity(c.inode(), c.size(), c.mtimeNs()), c);
                }
            }
        }

        private void match() {
            Map<String, String> dirMatches = new HashMap<>();
            Set<String> consumed = new HashSet<>();
            for (ScannedEntry a : appeared) {
                String cover = null;
                for (String p = RelativePaths.parent(a.path()); p != null; p = RelativePaths.parent(p)) {
                    if (dirMatches.containsKey(p)) {
                        cover = p;
                        break;
                    }
                }
                if (cover != null) {
                    String source = RelativePaths.rebase(a.path(), cover, dirMatches.get(cover));
                    CachedEntry c = cache.get(source);
                    if (c != null && c.inode() == a.inode() && c.type() == a.type() && consumed.add(source)) {
                        covered.add(a.path());
                        if (a.type() == EntryType.DIRECTORY) {
                            dirMatches.put(a.path(), source);
                        }
                        continue;
                    }
                }
                for (String source : vanishedByInode.getOrDefault(a.inode(), List.of())) {
                    CachedEntry c = cache.get(source);
                    if (consumed.contains(source) || source.equals(a.path()) || !sameIdentity(c, a)) {
                        continue;
                    }
                    consumed.add(source);
                    destToSource.put(a.path(), source);
                    sourceToDest.put(source, a.path());
                    if (a.type() == EntryType.DIRECTORY) {
                        dirMatches.put(a.path(), source);
                    }
                    break;
                }
            }
        }

        private boolean sameIdentity(CachedEntry c, ScannedEntry a) {
            if (c.type() != a.type() || c.inode() != a.inode()) {
                return false;
            }
            switch (a.type()) {
                case FILE:
                    return c.size() == a.size() && c.mtimeNs() == a.mtimeNs();
                case SYMLINK:
                    return Objects.equals(c.target(), a.target());
                default:
                    return true;
            }
        }

        /** Emits the pending move to {@code dest}, first vacating {@code dest}; a move that cannot be made is dropped. */
        private void tryMove(String dest) {
            if (!inProgress.add(dest)) {
                return;
            }
            try {
                ScannedEntry a = seen.present.get(dest);
                String parent = RelativePaths.parent(dest);
                CachedEntry parentEntry = parent == null ? null : cache.get(parent);
                if (parent != null && (parentEntry == null || parentEntry.type() != EntryType.DIRECTORY)) {
                    dropMove(dest);
                    return;
                }
                CachedEntry occupant = cache.get(dest);
                if (occupant != null && !vacate(dest, a.type() == EntryType.DIRECTORY || occupant.type() == EntryType.DIRECTORY)) {
                    dropMove(dest);
                    return;
                }
                String source = destToSource.get(dest);
                CachedEntry c = source == null ? null : cache.get(source);
                if (c == null || !sameIdentity(c, a)) {
                    dropMove(dest);
                    return;
                }
                dropMove(dest);
                emit(new Change.Move(source, c.manifest(dest)));
                cache.rebase(source, dest);
                if (a.type() == EntryType.DIRECTORY) {
                    movedTo.add(dest);
                    listener.directoryMoved(source, dest);
                    for (String s : new ArrayList<>(sourceToDest.subMap(source + "/", true, source + "0", false).keySet())) {
                        String d = sourceToDest.remove(s);
                        String rebased = RelativePaths.rebase(s, source, dest);
                        sourceToDest.put(rebased, d);
                        destToSource.put(d, rebased);
                    }
                }
            } finally {
                inProgress.remove(dest);
            }
        }

        private void dropMove(String dest) {
            String source = destToSource.remove(dest);
            if (source != null) {
                sourceToDest.remove(source);
            }
        }

        /**
         * Makes room at {@code path}: a pending move out of it (or out of anything below it) goes first. Then the
         * remaining occupant is deleted when {@code delete}, else left for a move to replace. False when the
         * occupant must stay (it is the source of a move that is itself in progress).
         */
        private boolean vacate(String path, boolean delete) {
            String away = sourceToDest.get(path);
            if (away != null) {
                if (inProgress.contains(away)) {
                    return false;
                }
                tryMove(away);
            }
            for (String s : new ArrayList<>(sourceToDest.subMap(path + "/", true, path + "0", false).keySet())) {
                String d = sourceToDest.get(s);
                if (d != null && !inProgress.contains(d)) {
                    tryMove(d);
                }
            }
            if (cache.contains(path) && (delete || sourceToDest.containsKey(path))) {
                dropMove(sourceToDest.getOrDefault(path, ""));
                delete(path);
            }
            return true;
        }

        private void createDirectory(ScannedEntry a) {
            CachedEntry c = cache.get(a.path());
            if (c != null && c.type() == EntryType.DIRECTORY) {
                return;
            }
            if (c != null) {
                vacate(a.path(), true);
            }
            upsert(Manifest.directory(a.path(), a.mode(), a.mtimeNs()), a.inode(), false);
        }

        private void delete(String path) {
            emit(new Change.Delete(path));
            cache.removeSubtree(path);
            listener.removed(path);
        }

        private void update(ScannedEntry now) {
            String path = now.path();
            CachedEntry c = cache.get(path);
            if (c != null && c.type() != now.type()) {
                delete(path);
                c = null;
            }
            switch (now.type()) {
                case DIRECTORY:
                    if (c == null || c.mode() != now.mode() || c.mtimeNs() != now.mtimeNs()) {
                        upsert(Manifest.directory(path, now.mode(), now.mtimeNs()), now.inode(), false);
                    } else if (c.inode() != now.inode()) {
                        cache.put(path, CachedEntry.of(c.manifest(path), now.inode(), false));
                    }
                    break;
                case SYMLINK:
                    if (c == null || !Objects.equals(c.target(), now.target()) || c.mtimeNs() != now.mtimeNs()) {
                        upsert(Manifest.symlink(path, now.mtimeNs(), now.target()), now.inode(), false);
                    } else if (c.inode() != now.inode()) {
                        cache.put(path, CachedEntry.of(c.manifest(path), now.inode(), false));
                    }
                    break;
                default:
                    updateFile(now, c);
            }
        }

        private void updateFile(ScannedEntry now, CachedEntry c) {
            String path = now.path();
            if (c != null && !c.racy() && now.sameStat(c.inode(), c.size(), c.mtimeNs())) {
                if (c.mode() != now.mode()) {
                    upsert(new Manifest(path, EntryType.FILE, now.mode(), now.mtimeNs(), now.size(), c.chunks(), null),
                            now.inode(), false);
                }
                listener.unchanged(path);
                return;
            }
            CachedEntry same = c != null && c.inode() == now.inode() ? null
                    : reusable.get(new Identity(now.inode(), now.size(), now.mtimeNs()));
            if (same != null && !same.racy()) {
                upsert(new Manifest(path, EntryType.FILE, now.mode(), now.mtimeNs(), now.size(), same.chunks(), null),
                        now.inode(), false);
                return;
            }
            HashResult result = prefetch != null ? prefetch.take(now) : hasher.hash(now);
            if (result instanceof HashResult.Hashed) {
                HashResult.Hashed hashed = (HashResult.Hashed) result;
                unstableAttempts.remove(path);
                Manifest m = hashed.manifest();
                boolean racy = System.currentTimeMillis() * 1_000_000L - m.mtimeNs() < CachedEntry.RACY_WINDOW_NS;
                if (c != null && c.digest().equals(m.digest())) {
                    cache.put(path, CachedEntry.of(m, hashed.stat().inode(), racy));
                } else {
                    String basePath = null;
                    Manifest base = null;
                    if (c != null && c.type() == EntryType.FILE && c.chunkCount() > 0) {
                        basePath = path;
                        base = c.manifest(path);
                    } else if (!m.chunks().isEmpty()) {
                        basePath = cache.withFirstChunk(m.chunks().get(0), path);
                        base = basePath == null ? null : cache.get(basePath).manifest(basePath);
                    }
                    emit(new Change.Upsert(m), basePath, base);
                    cache.put(m.path(), CachedEntry.of(m, hashed.stat().inode(), racy));
                }
            } else if (result instanceof HashResult.Unstable) {
                listener.retryLater(path, unstableAttempts.merge(path, 1, Integer::sum));
            } else if (result instanceof HashResult.Vanished) {
                listener.retryLater(path, 1);
            } else {
                String reason = ((HashResult.Unreadable) result).reason();
                LOG.warnf("cannot read %s (%s): skipped, the mirror keeps its last synced version",
                        RelativePaths.printable(path), reason);
                listener.unreadable(path, reason);
            }
        }

        private void upsert(Manifest m, long inode, boolean racy) {
            emit(new Change.Upsert(m));
            cache.put(m.path(), CachedEntry.of(m, inode, racy));
        }

        private void emit(Change change) {
            changes++;
            listener.emit(change);
        }

        private void emit(Change change, String basePath, Manifest base) {
            changes++;
            if (base == null) {
                listener.emit(change);
            } else {
                listener.emit(change, basePath, base);
            }
        }
    }
}
