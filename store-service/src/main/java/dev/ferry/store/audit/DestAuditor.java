package dev.ferry.store.audit;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.sync.StoreStats;
import io.quarkus.scheduler.Scheduled;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps DEST equal to the index against outside meddling: walks DEST (never .ferry, never following links),
 * removes what the index lacks, and restores entries that are missing or damaged (type, size, mtime or mode; a
 * link's target) from the chunk store. What the source's ignore rules match is not part of the mirror: it is
 * left alone (not removed, not descended into, not a problem), and a foreign folder holding such entries is kept
 * with them (its other content goes). Runs on the apply thread, so it never fights an apply. A foreign entry it
 * cannot remove is logged once, counted and skipped; a file it cannot rebuild is never deleted (see
 * {@link #auditNow()}). It also answers, for a watcher's check, whether DEST itself holds exactly the index
 * ({@link #destProblem()}).
 */
@Singleton
public class DestAuditor {
    private static final Logger LOG = Logger.getLogger(DestAuditor.class);
    private static final int DETAIL_LINES = 20;
    /** No audit starts while an entry was applied this recently. */
    static final Duration BUSY_SKIP = Duration.ofSeconds(1);

    /**
     * What one audit did: {@code unremovable} foreign entries it could not remove (or read), {@code damaged} files
     * that differ from the index and that it could not rebuild (left in place); {@code firstLeft} names one of them.
     */
    public record Report(int removed, int restored, int dropped, int unremovable, int damaged, String firstLeft) {
        public Report(int removed, int restored, int dropped) {
            this(removed, restored, dropped, 0, 0, null);
        }

        public int total() {
            return removed + restored + dropped;
        }

        /** True when DEST now holds exactly what the index says. */
        public boolean clean() {
            return unremovable == 0 && damaged == 0;
        }

        /** Why DEST is not a mirror of the index after this audit, for a log line or a check answer; null when clean. */
        public String problem() {
            if (clean()) {
                return null;
            }
            StringBuilder sb = new StringBuilder("DEST is not a mirror yet:");
            if (unremovable > 0) {
                sb.append(' ').append(unremovable).append(" foreign entries the store cannot remove");
            }
            if (damaged > 0) {
                sb.append(unremovable > 0 ? "," : "").append(' ').append(damaged)
                        .append(" files that differ and cannot be rebuilt until the watcher sends them again");
            }
            return sb.append(" (first: ").append(firstLeft).append("; see the store's log)").toString();
        }
    }

    private final Path root;
    private final Path stateDir;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final ApplyExecutor apply;
    private final StoreStats stats;
    private final boolean enabled;
    private final Supplier<IgnoreRules> ignore;
    private boolean foreignWaitLogged;
    /** DEST holds named folders ({@link #container()}): it is no mirror, and nothing in it is foreign. */
    private volatile boolean container;
    private int detailLines;
    /** Foreign entries the last audit could not remove, each logged once while it stays. */
    private Set<String> unremovable = Set.of();
    /**
     * True once an audit found DEST holding exactly the index, until something could have made them differ: a
     * failed apply, a journal failure or a new watcher session ({@link #invalidate()}). The store's own
     * successful applies keep it (they write only what the index records).
     */
    private volatile boolean verified;
    /** Whether the last audit dropped an entry or newly marked one damaged: only the watcher can send those. */
    private volatile boolean leftForWatcher;
    /** Told (after a scheduled audit) that the index lost entries the watcher must send again. */
    private volatile Consumer<String> watcherNeeded = why -> { };
    /** No scheduled audit before this (System.nanoTime()): see {@link #DUTY}. */
    private volatile long notBefore = System.nanoTime();

    /**
     * A scheduled audit waits at least this many times as long as the previous one took, so that walking a large
     * DEST costs at most a twentieth of the apply thread: 21,000 entries took ~0.3 s, every 2 s that was 15% of a
     * core while idle. Small trees (milliseconds) are still audited every interval.
     */
    static final int DUTY = 20;

    @Inject
    public DestAuditor(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, StoreConfig config, StoreIgnoreRules ignore) {
        this(layout, index, materializer, apply, stats, config.store().audit(), () -> ignore.known() ? ignore.rules() : null);
    }

    public DestAuditor(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, boolean enabled) {
        this(layout, index, materializer, apply, stats, enabled, IgnoreRules::none);
    }

    /**
     * {@code ignore} gives the ignore rules in force at each audit, or null while the store has not heard them: then
     * nothing outside the index is removed.
     */
    public DestAuditor(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, boolean enabled, Supplier<IgnoreRules> ignore) {
        this.ignore = ignore;
        this.root = layout.dest();
        this.stateDir = layout.stateDir();
        this.index = index;
        this.materializer = materializer;
        this.apply = apply;
        this.stats = stats;
        this.enabled = enabled;
    }

    @Scheduled(every = "${ferry.store.audit-interval:2s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void scheduled() {
        if (container || !enabled || !(index.reconciled() || index.size() > 0)) {
            return;
        }
        Instant last = stats.lastApplied();
        if (last != null && last.isAfter(Instant.now().minus(BUSY_SKIP))) {
            // A sync is applying changes: a walk of all of DEST now would compete with it on the apply thread
            // (for 20,000 files, a tenth of a second every interval); the next quiet interval audits instead.
            return;
        }
        long start = System.nanoTime();
        if (start - notBefore < 0) {
            return;
        }
        try {
            apply.call(this::auditNow);
            if (leftForWatcher) {
                // No check of the watcher's may come for minutes (a quiet source): ask it for one now.
                watcherNeeded.accept("the audit found entries in DEST that only the source can restore");
            }
        } catch (Exception e) {
            LOG.warnf("Audit of %s failed: %s", root, e);
        }
        long end = System.nanoTime();
        notBefore = end + DUTY * (end - start);
    }

    /** Sets who is told when a scheduled audit leaves entries for the watcher to send again. */
    public void onWatcherNeeded(Consumer<String> listener) {
        watcherNeeded = listener;
    }

    /**
     * DEST is the container of named folders ({@code ferry.store.folders}): its top level holds the folders, which
     * this (the unnamed folder's) index never lists, so an audit would take them for foreign entries. From now on
     * no audit of DEST runs, scheduled or asked for.
     */
    public void container() {
        container = true;
    }

    /** Something may have made DEST and the index differ: the next {@link #destProblem()} walks DEST again. */
    public void invalidate() {
        verified = false;
    }

    /**
     * For a watcher's check, on the apply thread: null when DEST holds exactly the index, else why not. Walks DEST
     * (one full audit, removing foreign entries and restoring damaged ones, also when the periodic auditor is off)
     * unless an audit already found it so and nothing since could have changed that ({@link #invalidate()}).
     */
    public String destProblem() {
        if (verified) {
            return null;
        }
        long start = System.nanoTime();
        try {
            return auditNow().problem();
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Audit of %s for a check failed: %s", root, e);
            return "the store cannot audit DEST: " + RelativePaths.printable(String.valueOf(e));
        } finally {
            long end = System.nanoTime();
            notBefore = end + DUTY * (end - start);
        }
    }

    /**
     * One full audit on the calling thread (the apply thread, or a test's). A damaged file is rebuilt from its
     * chunks; when they are gone it is never deleted: its mode and mtime are restored in place if its bytes still
     * hash right, else it is left as it is and marked damaged in the index (so the watcher sends it again).
     */
    public Report auditNow() throws IOException {
        if (container) {
            throw new IllegalStateException("DEST " + root + " holds the store's folders: it is no mirror and is never "
                    + "audited (each folder is)");
        }
        detailLines = 0;
        verified = false;
        leftForWatcher = false;
        Set<String> left = new LinkedHashSet<>();
        IgnoreRules heard = ignore.get();
        IgnoreRules rules = heard == null ? IgnoreRules.none() : heard;
        int removed = 0;
        if (heard != null) {
            removed = removeForeign(left, rules);
        } else if (!foreignWaitLogged) {
            foreignWaitLogged = true;
            LOG.infof("Audit: entries of DEST outside the index are left alone until a watcher's hello says which of "
                    + "them its source's ignore rules keep");
        }
        materializer.finishDirectories();
        int restored = 0;
        int dropped = 0;
        int damaged = 0;
        String firstDamaged = null;
        for (Manifest m : index.manifests()) {
            boolean marked = index.damaged(m.path());
            if (!marked && materializer.intact(m)) {
                continue;
            }
            if (rules.ignored(m.path(), m.type() == EntryType.DIRECTORY)) {
                // Left by a crash before the hello that forgets it: not part of the mirror, never restored.
                continue;
            }
            String path = RelativePaths.printable(m.path());
            try {
                switch (restore(m, marked)) {
                    case REBUILT -> {
                        restored++;
                        detail("restored %s %s", kind(m.type()), path);
                    }
                    case METADATA -> {
                        restored++;
                        detail("restored the mode and mtime of %s in place (its bytes are intact, its chunks are not all stored)", path);
                    }
                    case DROPPED -> {
                        dropped++;
                        leftForWatcher = true;
                        detail("cannot restore %s (chunks missing, nothing in DEST): dropped from the index, the watcher will resend it", path);
                    }
                    case LEFT -> {
                        damaged++;
                        firstDamaged = firstDamaged == null ? path : firstDamaged;
                        if (!marked) {
                            leftForWatcher = true;
                            LOG.warnf("Audit: %s differs from the mirror and its chunks are not all stored: left as it is "
                                    + "(it may be the only copy); the watcher is asked to send it again", path);
                        }
                    }
                }
            } catch (Exception e) {
                damaged++;
                firstDamaged = firstDamaged == null ? path : firstDamaged;
                LOG.warnf("Cannot restore %s: %s", path, e);
            }
        }
        materializer.finishDirectories();
        materializer.commitChunks();
        index.flush();
        for (String gone : unremovable) {
            if (!left.contains(gone)) {
                LOG.infof("Audit: %s is no longer in DEST", gone);
            }
        }
        unremovable = left;
        stats.auditUnremovable(left.size());
        Report report = new Report(removed, restored, dropped, left.size(), damaged,
                left.isEmpty() ? firstDamaged : left.iterator().next());
        if (report.total() > 0) {
            stats.repaired(report.total());
            LOG.infof("Audit of %s repaired %d entries: removed %d foreign, restored %d, dropped %d", root,
                    report.total(), removed, restored, dropped);
        }
        verified = report.clean();
        return report;
    }

    private enum Outcome { REBUILT, METADATA, DROPPED, LEFT }

    private Outcome restore(Manifest m, boolean marked) throws Exception {
        if (m.type() != EntryType.FILE || materializer.lacking(m).isEmpty()) {
            if (materializer.apply(m).isEmpty()) {
                // A region read while rebuilding may have found the old file changed (and marked it): rebuilt now.
                if (marked || index.damaged(m.path())) {
                    index.put(m);
                }
                materializer.recorded(m);
                return Outcome.REBUILT;
            }
        }
        if (materializer.restoreMetadataInPlace(m)) {
            if (marked) {
                index.put(m);
            }
            return Outcome.METADATA;
        }
        Path there = materializer.existing(m.path());
        if (there == null || StoreLayout.attributes(there) == null) {
            index.remove(m.path());
            return Outcome.DROPPED;
        }
        index.markDamaged(m.path());
        return Outcome.LEFT;
    }

    private int removeForeign(Set<String> left, IgnoreRules rules) throws IOException {
        int[] removed = {0};
        // Foreign folders entered (rules in force) rather than removed whole, as they may hold ignored entries.
        Set<Path> foreignDirs = new java.util.HashSet<>();
        Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, new FileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(root)) {
                    return FileVisitResult.CONTINUE;
                }
                if (dir.equals(stateDir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                String rel = relative(dir);
                Manifest m = rel == null ? null : index.get(rel);
                if (m != null || (rel != null && index.hasBelow(rel))) {
                    return m == null || m.type() == EntryType.DIRECTORY ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }
                if (rel != null && rules.ignored(rel, true)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (rel != null && !rules.isEmpty()) {
                    foreignDirs.add(dir);
                    return FileVisitResult.CONTINUE;
                }
                remove(dir, rel);
                return FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(file);
                if (rel == null || index.get(rel) == null) {
                    if (rel != null && rules.ignored(rel, attrs.isDirectory())) {
                        return FileVisitResult.CONTINUE;
                    }
                    remove(file, rel);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(root)) {
                    throw e;
                }
                if (file.equals(stateDir)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = relative(file);
                if (rel != null && index.get(rel) == null && !index.hasBelow(rel) && rules.ignored(rel, false)
                        && rules.ignored(rel, true)) {
                    return FileVisitResult.CONTINUE; // ignored whatever it is: not the store's to read or remove
                }
                if (rel == null || (index.get(rel) == null && !index.hasBelow(rel))) {
                    remove(file, rel);
                } else {
                    String shown = RelativePaths.printable(rel);
                    if (left.add(shown) && !unremovable.contains(shown)) {
                        LOG.warnf("Audit cannot read %s (%s): what it holds is not checked", shown, e);
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (foreignDirs.remove(dir)) {
                    // Its foreign content is gone: the folder goes too unless it holds ignored entries.
                    boolean empty;
                    try (java.nio.file.DirectoryStream<Path> children = Files.newDirectoryStream(dir)) {
                        empty = !children.iterator().hasNext();
                    } catch (IOException failed) {
                        empty = false;
                    }
                    if (empty) {
                        remove(dir, relative(dir));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            private void remove(Path p, String rel) {
                String shown = RelativePaths.printable(rel == null ? root.relativize(p).toString() : rel);
                try {
                    materializer.deleteForeign(root.relativize(p));
                } catch (IOException | RuntimeException e) {
                    // One entry the store may not remove (lost+found at a mount root, a folder of another user)
                    // must not stop the audit of everything else: said once, counted in /status, skipped.
                    if (left.add(shown) && !unremovable.contains(shown)) {
                        LOG.warnf("Audit: cannot remove the foreign entry %s (%s): leaving it; DEST is not a mirror "
                                + "while it is there", shown, e);
                    }
                    return;
                }
                removed[0]++;
                detail("removed foreign %s", shown);
                if (rel != null) {
                    String parentRel = RelativePaths.parent(rel);
                    if (parentRel != null) {
                        materializer.touch(parentRel);
                    }
                }
            }
        });
        return removed[0];
    }

    /** The wire path of {@code p}, or null when it cannot be one (so it is not part of the mirror). */
    private String relative(Path p) {
        try {
            String rel = FileNames.relative(root, p);
            return RelativePaths.isValid(rel) ? rel : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private void detail(String format, Object... args) {
        if (detailLines++ < DETAIL_LINES) {
            LOG.infof("Audit: " + format, args);
        }
    }

    private static String kind(EntryType type) {
        return switch (type) {
            case FILE -> "file";
            case DIRECTORY -> "directory";
            case SYMLINK -> "symlink";
        };
    }
}
