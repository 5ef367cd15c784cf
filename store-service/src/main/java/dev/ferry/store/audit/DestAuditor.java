package dev.ferry.store.audit;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
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

/**
 * Keeps DEST equal to the index against outside meddling: walks DEST (never .ferry, never following links),
 * removes what the index lacks, and restores entries that are missing or damaged (type, size, mtime or mode; a
 * link's target) from the chunk store. Runs on the apply thread, so it never fights an apply.
 */
@Singleton
public class DestAuditor {
    private static final Logger LOG = Logger.getLogger(DestAuditor.class);
    private static final int DETAIL_LINES = 20;
    /** No audit starts while an entry was applied this recently. */
    static final Duration BUSY_SKIP = Duration.ofSeconds(1);

    /** What one audit did. */
    public record Report(int removed, int restored, int dropped) {
        public int total() {
            return removed + restored + dropped;
        }
    }

    private final Path root;
    private final Path stateDir;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final ApplyExecutor apply;
    private final StoreStats stats;
    private final boolean enabled;
    private int detailLines;
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
                       StoreStats stats, StoreConfig config) {
        this(layout, index, materializer, apply, stats, config.store().audit());
    }

    public DestAuditor(StoreLayout layout, MirrorIndex index, Materializer materializer, ApplyExecutor apply,
                       StoreStats stats, boolean enabled) {
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
    void scheduled() {
        if (!enabled || !(index.reconciled() || index.size() > 0)) {
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
        } catch (Exception e) {
            LOG.warnf("Audit of %s failed: %s", root, e);
        }
        long end = System.nanoTime();
        notBefore = end + DUTY * (end - start);
    }

    /** One full audit on the calling thread (the apply thread, or a test's). */
    public Report auditNow() throws IOException {
        detailLines = 0;
        int removed = removeForeign();
        materializer.finishDirectories();
        int restored = 0;
        int dropped = 0;
        for (Manifest m : index.snapshot()) {
            if (materializer.intact(m)) {
                continue;
            }
            try {
                if (restore(m)) {
                    restored++;
                    detail("restored %s %s", kind(m.type()), RelativePaths.printable(m.path()));
                } else {
                    dropped++;
                    detail("cannot restore %s (chunks missing): dropped from the index, the watcher will resend it", RelativePaths.printable(m.path()));
                }
            } catch (Exception e) {
                LOG.warnf("Cannot restore %s: %s", RelativePaths.printable(m.path()), e);
            }
        }
        materializer.finishDirectories();
        index.flush();
        Report report = new Report(removed, restored, dropped);
        if (report.total() > 0) {
            stats.repaired(report.total());
            LOG.infof("Audit of %s repaired %d entries: removed %d foreign, restored %d, dropped %d", root,
                    report.total(), removed, restored, dropped);
        }
        return report;
    }

    private boolean restore(Manifest m) throws Exception {
        if (materializer.apply(m).isEmpty()) {
            return true;
        }
        materializer.delete(m.path());
        index.remove(m.path());
        return false;
    }

    private int removeForeign() throws IOException {
        int[] removed = {0};
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
                remove(dir, rel);
                return FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(file);
                if (rel == null || index.get(rel) == null) {
                    remove(file, rel);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                LOG.debugf("Audit cannot read %s: %s", file, e);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                return FileVisitResult.CONTINUE;
            }

            private void remove(Path p, String rel) throws IOException {
                materializer.deleteForeign(root.relativize(p));
                removed[0]++;
                detail("removed foreign %s", RelativePaths.printable(rel == null ? root.relativize(p).toString() : rel));
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
