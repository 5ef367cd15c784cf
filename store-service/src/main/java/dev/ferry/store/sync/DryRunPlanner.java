package dev.ferry.store.sync;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.FileNames;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * What a real sync of a source's tree would do to DEST, worked out from the index and a read-only walk of DEST
 * (docs/OPERATIONS.md, "Dry run"). It writes nothing: no index entry, no journal line, no file. A sync reconciles
 * by removing what the source lacks, writing what differs, then auditing DEST; the plan says the same in that
 * store's words: create, update (contents, metadata, or a damaged copy), move (a delete and a create of the same
 * digest: the sync pays only metadata, the chunks are stored), delete, and foreign (what the audit would remove).
 */
public final class DryRunPlanner {

    private final MirrorIndex index;
    private final Materializer materializer;
    private final Path dest;
    private final Path stateDir;
    /** The dry run's own ignore rules: what they match is neither planned nor removed. */
    private final IgnoreRules ignored;

    public DryRunPlanner(MirrorIndex index, Materializer materializer, Path dest, Path stateDir, IgnoreRules ignored) {
        this.index = index;
        this.materializer = materializer;
        this.dest = dest;
        this.stateDir = stateDir;
        this.ignored = ignored;
    }

    /** The plan for the source's tree {@code theirs} (path to entry), sorted by path. */
    public List<Message.PlannedItem> plan(SortedMap<String, Message.PlanEntry> theirs) throws IOException {
        List<Message.PlannedItem> out = new ArrayList<>();
        List<Message.PlanEntry> creates = new ArrayList<>();
        for (Message.PlanEntry e : theirs.values()) {
            if (!RelativePaths.isValid(e.path()) || e.digest() == null) {
                continue;
            }
            Manifest m = index.get(e.path());
            if (m == null) {
                creates.add(e);
            } else if (!m.digest().equals(e.digest())) {
                String detail = m.contentDigest().equals(e.content()) ? "metadata" : "contents";
                out.add(new Message.PlannedItem("update", e.path(), null, detail, e.dir()));
            } else if (index.damaged(e.path()) || !materializer.intact(m)) {
                out.add(new Message.PlannedItem("update", e.path(), null, "damaged", e.dir()));
            }
        }
        Map<String, Deque<Manifest>> deletedByDigest = new HashMap<>();
        List<Manifest> deletes = new ArrayList<>();
        for (Manifest m : index.manifests()) {
            boolean dir = m.type() == EntryType.DIRECTORY;
            if (theirs.containsKey(m.path()) || ignored.ignored(m.path(), dir)) {
                continue;
            }
            deletes.add(m);
            if (!dir) {
                deletedByDigest.computeIfAbsent(m.digest(), d -> new ArrayDeque<>()).add(m);
            }
        }
        java.util.Set<String> movedAway = new java.util.HashSet<>();
        for (Message.PlanEntry e : creates) {
            Deque<Manifest> same = e.dir() ? null : deletedByDigest.get(e.digest());
            Manifest from = same == null ? null : same.pollFirst();
            if (from != null) {
                movedAway.add(from.path());
                out.add(new Message.PlannedItem("move", e.path(), from.path(), null, false));
            } else {
                out.add(new Message.PlannedItem("create", e.path(), null, null, e.dir()));
            }
        }
        for (Manifest m : deletes) {
            if (!movedAway.contains(m.path())) {
                out.add(new Message.PlannedItem("delete", m.path(), null, null, m.type() == EntryType.DIRECTORY));
            }
        }
        foreign(theirs, out);
        out.sort(Comparator.comparing(Message.PlannedItem::path).thenComparing(Message.PlannedItem::op));
        return out;
    }

    /**
     * Walks DEST as the audit does (never .ferry, never following links) and adds what it would remove: entries in
     * neither the source's tree nor the index (the index's own go as deletes), not ignored; a folder as one entry.
     */
    private void foreign(SortedMap<String, Message.PlanEntry> theirs, List<Message.PlannedItem> out) throws IOException {
        Files.walkFileTree(dest, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, new FileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (dir.equals(dest)) {
                    return FileVisitResult.CONTINUE;
                }
                if (dir.equals(stateDir)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                String rel = relative(dir);
                Message.PlanEntry e = rel == null ? null : theirs.get(rel);
                if (e != null) {
                    // Written over by the sync when it is no folder there; else its children are looked at.
                    return e.dir() ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }
                if (rel != null && index.get(rel) != null) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                note(dir, rel, true);
                return FileVisitResult.SKIP_SUBTREE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String rel = relative(file);
                if (rel == null || (!theirs.containsKey(rel) && index.get(rel) == null)) {
                    note(file, rel, false);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(dest)) {
                    throw e;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                return FileVisitResult.CONTINUE;
            }

            private void note(Path p, String rel, boolean dir) {
                if (rel != null && ignored.ignored(rel, dir)) {
                    return;
                }
                String shown = rel != null ? rel : RelativePaths.printable(dest.relativize(p).toString());
                out.add(new Message.PlannedItem("foreign", shown, null, null, dir));
            }
        });
    }

    /** The wire path of {@code p}, or null when it cannot be one (the audit removes such an entry too). */
    private String relative(Path p) {
        try {
            String rel = FileNames.relative(dest, p);
            return RelativePaths.isValid(rel) ? rel : null;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
