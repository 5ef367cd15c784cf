package dev.ferry.store.audit;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.storage.ChunkLocation;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The integrity check behind {@code --verify} and {@code POST /api/v1/verify}: re-hashes every pack record
 * against its hash and every mirror file against its manifest, chunk by chunk, so it also finds what the auditor
 * cannot (bytes changed behind an unchanged size and mtime). With repair: a corrupt chunk is deleted and, when an
 * intact mirror file holds its bytes, stored again from there; a damaged entry is rebuilt from its chunks. A file
 * whose chunks are gone is never deleted (DEST may hold its only copy): its mode and mtime are restored in place when
 * its bytes still hash right (and its lost chunks stored again from it), it is dropped from the index when nothing is
 * there, else it is left as it is and marked damaged in the index, so the watcher's next reconcile sends it again.
 * Not thread-safe: the apply thread (or a store that is not running) calls it.
 */
public final class StoreVerifier {
    private static final int LISTED = 1000;

    /** One difference found. */
    public record Problem(String kind, String path, String detail, boolean repaired) {
    }

    /**
     * What a check found and did.
     *
     * @param remaining problems still there afterwards (all of them without repair)
     */
    public record Report(long chunksChecked, long entriesChecked, long bytesHashed, long corruptChunks,
                         long missingChunks, long damagedEntries, long repaired, long remaining, List<Problem> problems,
                         boolean repair, long millis) {
        public boolean clean() {
            return remaining == 0;
        }
    }

    private final ChunkStore chunks;
    private final MirrorIndex index;
    private final Materializer materializer;
    private final Path dest;

    public StoreVerifier(ChunkStore chunks, MirrorIndex index, Materializer materializer, StoreLayout layout) {
        this.chunks = chunks;
        this.index = index;
        this.materializer = materializer;
        this.dest = layout.dest();
    }

    public Report verify(boolean repair) throws IOException {
        long t0 = System.nanoTime();
        Run run = new Run(repair);
        run.checkChunks();
        run.checkEntries();
        if (repair) {
            run.repair();
            materializer.finishDirectories();
            chunks.flush();
            index.flush();
        }
        long remaining = run.problems.stream().filter(p -> !p.repaired()).count();
        return new Report(run.chunksChecked, run.entriesChecked, run.bytesHashed, run.corrupt, run.missing.size(),
                run.damaged.size(), run.problems.size() - remaining, remaining,
                List.copyOf(run.problems.subList(0, Math.min(LISTED, run.problems.size()))), repair,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private final class Run {
        final boolean repair;
        final byte[] buf = new byte[chunks.maxChunk()];
        final List<Problem> problems = new ArrayList<>();
        /** Chunks an index entry needs that the store lacks (or held corrupt), with the entries needing them. */
        final Map<ChunkHash, List<String>> missing = new LinkedHashMap<>();
        /** Index entries whose DEST form differs from the manifest, with why. */
        final Map<String, String> damaged = new LinkedHashMap<>();
        /** For each chunk, an intact mirror file and offset that hold its bytes. */
        final Map<ChunkHash, Map.Entry<Manifest, Long>> intactCopies = new HashMap<>();
        final Set<ChunkHash> corruptHashes = new java.util.HashSet<>();
        long chunksChecked;
        long entriesChecked;
        long bytesHashed;
        long corrupt;

        Run(boolean repair) {
            this.repair = repair;
        }

        void checkChunks() throws IOException {
            for (int fan = 0; fan < 256; fan++) {
                for (Map.Entry<ChunkHash, ChunkLocation> e : chunks.fan(fan)) {
                    int n = chunks.readPacked(e.getValue(), buf);
                    if (n < 0) {
                        n = 0;
                    }
                    chunksChecked++;
                    bytesHashed += n;
                    ChunkHash actual = ChunkHash.compute(buf, 0, n);
                    if (!actual.equals(e.getKey())) {
                        corrupt++;
                        corruptHashes.add(e.getKey());
                        if (repair) {
                            chunks.delete(e.getKey());
                        }
                        problems.add(new Problem("corrupt-chunk", null, e.getKey().hex() + " holds " + n
                                + " bytes in pack " + e.getValue().pack() + " hashing to " + actual.hex() + (repair ? ": deleted" : ""), repair));
                    }
                }
            }
        }

        void checkEntries() throws IOException {
            for (Manifest m : index.manifests()) {
                entriesChecked++;
                if (m.type() == EntryType.FILE) {
                    for (ChunkRef c : m.chunks()) {
                        if (!chunks.has(c.hash()) || (!repair && isCorrupt(c.hash()))) {
                            missing.computeIfAbsent(c.hash(), h -> new ArrayList<>(1)).add(m.path());
                        }
                    }
                }
                String why = damage(m);
                if (why != null) {
                    damaged.put(m.path(), why);
                }
            }
            for (Map.Entry<ChunkHash, List<String>> e : missing.entrySet()) {
                if (!repair) {
                    problems.add(new Problem("missing-chunk", e.getValue().get(0), e.getKey().hex() + " is needed by "
                            + e.getValue().size() + " entries and not stored intact", false));
                }
            }
            for (Map.Entry<String, String> e : damaged.entrySet()) {
                if (!repair) {
                    problems.add(new Problem("damaged-entry", e.getKey(), e.getValue(), false));
                }
            }
        }

        private boolean isCorrupt(ChunkHash h) {
            return corruptHashes.contains(h);
        }

        /** Null when DEST holds {@code m} exactly (bytes included), else what differs. */
        private String damage(Manifest m) throws IOException {
            if (!materializer.intact(m)) {
                return "type, size, mtime, mode or link target differ from the index";
            }
            if (m.type() != EntryType.FILE) {
                return null;
            }
            Path p;
            try {
                p = materializer.existing(m.path());
            } catch (ProtocolException e) {
                return "not a valid path";
            }
            if (p == null) {
                return "missing";
            }
            long offset = 0;
            List<Map.Entry<ChunkHash, Long>> found = new ArrayList<>();
            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                for (ChunkRef c : m.chunks()) {
                    int n = in.readNBytes(buf, 0, c.length());
                    bytesHashed += n;
                    if (n != c.length() || !ChunkHash.compute(buf, 0, n).equals(c.hash())) {
                        return "bytes at offset " + offset + " differ from chunk " + c.hash().hex()
                                + " although size and mtime match";
                    }
                    found.add(Map.entry(c.hash(), offset));
                    offset += n;
                }
                if (in.read() >= 0) {
                    return "longer than its manifest";
                }
            } catch (NoSuchFileException e) {
                return "missing";
            }
            for (Map.Entry<ChunkHash, Long> f : found) {
                intactCopies.putIfAbsent(f.getKey(), Map.entry(m, f.getValue()));
            }
            return null;
        }

        void repair() throws IOException {
            Map<ChunkHash, String> restoredFrom = new HashMap<>();
            for (ChunkHash h : missing.keySet()) {
                Map.Entry<Manifest, Long> copy = intactCopies.get(h);
                if (copy != null && restoreChunk(h, copy.getKey(), copy.getValue())) {
                    restoredFrom.put(h, copy.getKey().path());
                }
            }
            for (Manifest m : index.manifests()) {
                boolean lacks = m.type() == EntryType.FILE && !materializer.lacking(m).isEmpty();
                String why = damaged.get(m.path());
                if (why == null && !lacks) {
                    continue;
                }
                String detail = why == null ? "its chunks are gone" : why;
                try {
                    if (!lacks && materializer.apply(m).isEmpty()) {
                        if (index.damaged(m.path())) {
                            index.put(m);
                        }
                        materializer.recorded(m);
                        problems.add(new Problem("damaged-entry", m.path(), detail + ": rebuilt from its chunks", true));
                        continue;
                    }
                    // Its chunks are gone: the file in DEST may be the only copy, so it is never deleted.
                    if (materializer.restoreMetadataInPlace(m)) {
                        if (index.damaged(m.path())) {
                            index.put(m);
                        }
                        long offset = 0;
                        for (ChunkRef c : m.chunks()) {
                            if (!chunks.has(c.hash()) && restoreChunk(c.hash(), m, offset)) {
                                restoredFrom.put(c.hash(), m.path());
                            }
                            offset += c.length();
                        }
                        problems.add(new Problem("damaged-entry", m.path(), detail + ": its bytes are intact: mode and "
                                + "mtime restored in place", true));
                        continue;
                    }
                    Path there = materializer.existing(m.path());
                    if (there == null || StoreLayout.attributes(there) == null) {
                        index.remove(m.path());
                        problems.add(new Problem("damaged-entry", m.path(), detail + ": chunks missing, nothing in "
                                + "DEST: dropped from the index so the watcher sends it again", true));
                        continue;
                    }
                    index.markDamaged(m.path());
                    problems.add(new Problem("damaged-entry", m.path(), detail + ": chunks missing: left in place (it "
                            + "may be the only copy), marked damaged so the watcher sends it again", false));
                } catch (ProtocolException | IOException e) {
                    problems.add(new Problem("damaged-entry", m.path(), detail + ": repair failed: " + e, false));
                }
            }
            for (Map.Entry<ChunkHash, List<String>> e : missing.entrySet()) {
                String from = restoredFrom.get(e.getKey());
                boolean stillNeeded = e.getValue().stream().anyMatch(p -> index.get(p) != null);
                String detail = from != null ? ": stored again from the intact mirror file " + RelativePaths.printable(from)
                        : stillNeeded ? ": no intact copy, still needed" : ": no intact copy; the entries needing it were dropped";
                problems.add(new Problem("missing-chunk", e.getValue().get(0), e.getKey().hex() + detail,
                        from != null || !stillNeeded));
            }
        }

        private boolean restoreChunk(ChunkHash hash, Manifest from, long offset) {
            int length = 0;
            for (ChunkRef c : from.chunks()) {
                if (c.hash().equals(hash)) {
                    length = c.length();
                    break;
                }
            }
            try {
                Path p = materializer.existing(from.path());
                if (p == null || length == 0) {
                    return false;
                }
                try (var ch = java.nio.channels.FileChannel.open(p, java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(buf, 0, length);
                    long pos = offset;
                    while (bb.hasRemaining()) {
                        if (ch.read(bb, pos) < 0) {
                            return false;
                        }
                        pos = offset + bb.position();
                    }
                }
                chunks.put(hash, buf, 0, length);
                return true;
            } catch (IOException | ProtocolException e) {
                return false;
            }
        }
    }

    /** The report as text lines, for the command line. */
    public static List<String> describe(Report r) {
        List<String> out = new ArrayList<>();
        for (Problem p : r.problems()) {
            out.add(String.format("%-8s %-14s %s%s", p.repaired() ? "repaired" : "PROBLEM", p.kind(),
                    p.path() == null ? "" : RelativePaths.printable(p.path()) + ": ", p.detail()));
        }
        if (r.problems().size() < r.repaired() + r.remaining()) {
            out.add("... and " + (r.repaired() + r.remaining() - r.problems().size()) + " more");
        }
        out.add(String.format("verified %d chunks and %d index entries (%d bytes hashed) in %d ms: %d corrupt chunks, "
                        + "%d missing chunks, %d damaged entries; %d repaired, %d remaining", r.chunksChecked(),
                r.entriesChecked(), r.bytesHashed(), r.millis(), r.corruptChunks(), r.missingChunks(),
                r.damagedEntries(), r.repaired(), r.remaining()));
        out.add(r.clean() ? (r.repaired() > 0 ? "REPAIRED: the store is consistent now" : "OK: the store is consistent")
                : "FAILED: " + r.remaining() + " problems remain" + (r.repair() ? "" : " (run with --repair to fix them)"));
        return out;
    }
}
