package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.pack.PackStore.Location;
import dev.ferry.store.storage.pack.PackStore.Record;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Moves the chunk files of the first layout ({@code .ferry/chunks/ab/<64 hex>}, one file per chunk) into packs, in
 * place, on the first start of the pack model.
 *
 * <p>Each chunk file is skipped when {@code heldElsewhere} says a mirror file holds the chunk; otherwise it is read
 * and hashed (one that does not match its name is logged and left out) and appended to a pack. Every batch is then
 * synced, handed to {@link Placements#placed} (the caller commits the locations), and only then are its chunk files
 * deleted. At the end {@code chunks/} is removed, unless a chunk file could not be read or packed (it stays, and the
 * next run tries it again).
 *
 * <p>Crash-safe at every step: until {@code placed} returns, every chunk of the batch is still a file; after it, the
 * caller has its location. Running again after a crash packs the files still there, some of them a second time (the
 * first copy is garbage for the repacker, never a loss). Memory is flat: folders are streamed and a batch holds at
 * most {@code batchSize} entries.
 */
public final class ChunkFileUpgrade {
    private static final Logger LOG = Logger.getLogger(ChunkFileUpgrade.class);

    /** Chunks per batch when none is given: a sync and a commit per 1024 chunks (64 MiB of average chunks). */
    public static final int DEFAULT_BATCH = 1024;

    /** The caller's chunk index. */
    public interface Placements {
        /** These records are synced in packs; commit their locations before returning (their files go next). */
        void placed(List<Record> records) throws IOException;
    }

    /** What a run did. {@code kept}: chunk files left in place (unreadable or too large for a pack). */
    public record Result(long packed, long packedBytes, long heldElsewhere, long corrupt, long kept, boolean chunksRemoved) {
    }

    private final Path chunksDir;
    private final PackStore packs;
    private final int maxChunk;
    private final Predicate<ChunkHash> heldElsewhere;
    private final Placements placements;
    private final int batchSize;

    private final List<Record> batch = new ArrayList<>();
    private final List<Path> done = new ArrayList<>();
    private long packed;
    private long packedBytes;
    private long held;
    private long corrupt;
    private long kept;

    public ChunkFileUpgrade(Path chunksDir, PackStore packs, int maxChunk, Predicate<ChunkHash> heldElsewhere,
                            Placements placements) {
        this(chunksDir, packs, maxChunk, heldElsewhere, placements, DEFAULT_BATCH);
    }

    public ChunkFileUpgrade(Path chunksDir, PackStore packs, int maxChunk, Predicate<ChunkHash> heldElsewhere,
                            Placements placements, int batchSize) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size " + batchSize);
        }
        this.chunksDir = chunksDir;
        this.packs = packs;
        this.maxChunk = maxChunk;
        this.heldElsewhere = heldElsewhere;
        this.placements = placements;
        this.batchSize = batchSize;
    }

    /** True while a store still has the first layout's chunk folder. */
    public static boolean needed(Path chunksDir) {
        return Files.isDirectory(chunksDir, LinkOption.NOFOLLOW_LINKS);
    }

    /** Runs the upgrade once; a second run after a complete one finds nothing to do. One run at a time. */
    public Result run() throws IOException {
        if (!needed(chunksDir)) {
            return new Result(0, 0, 0, 0, 0, false);
        }
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(chunksDir)) {
            for (Path fan : fans) {
                if (Files.isDirectory(fan, LinkOption.NOFOLLOW_LINKS)) {
                    upgradeFan(fan);
                }
            }
        }
        flush();
        boolean removed = false;
        if (kept == 0) {
            StoreLayout.deleteTree(chunksDir);
            removed = true;
        } else {
            LOG.warnf("%d chunk files could not be packed and stay in %s; the next start tries them again", kept, chunksDir);
        }
        LOG.infof("Chunk files moved into packs: %d chunks (%d bytes) packed, %d held by mirror files, %d corrupt left out",
                packed, packedBytes, held, corrupt);
        return new Result(packed, packedBytes, held, corrupt, kept, removed);
    }

    private void upgradeFan(Path fan) throws IOException {
        byte[] buf = new byte[maxChunk];
        try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                if (!ChunkHash.isValid(name) || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                ChunkHash hash = ChunkHash.parse(name);
                if (heldElsewhere.test(hash)) {
                    held++;
                    done(f);
                    continue;
                }
                int n = read(f, buf);
                if (n == -1) {
                    continue;
                }
                if (n == -2 || !ChunkHash.compute(buf, 0, n).equals(hash)) {
                    LOG.warnf("Chunk file %s does not hash to its name: left out (it will be requested again)", f);
                    corrupt++;
                    continue;
                }
                Location loc = packs.append(hash, buf, 0, n);
                batch.add(new Record(hash, loc));
                packed++;
                packedBytes += n;
                done(f);
            }
        } catch (NoSuchFileException e) {
            // A fan-out folder that is gone has nothing to move.
        }
    }

    /** Reads a chunk file into {@code buf}: its length, -2 when empty, or -1 when it stays a file (logged). */
    private int read(Path f, byte[] buf) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size == 0) {
                return -2;
            }
            if (size > maxChunk) {
                LOG.warnf("Chunk file %s has %d bytes, more than a pack record takes (%d): left in place", f, size, maxChunk);
                kept++;
                return -1;
            }
            ByteBuffer bb = ByteBuffer.wrap(buf, 0, (int) size);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) {
                    return -2;
                }
            }
            return (int) size;
        } catch (NoSuchFileException e) {
            return -1;
        } catch (IOException e) {
            LOG.warnf("Chunk file %s cannot be read (%s): left in place", f, e.toString());
            kept++;
            return -1;
        }
    }

    private void done(Path f) throws IOException {
        done.add(f);
        if (done.size() >= batchSize) {
            flush();
        }
    }

    /** Syncs the batch, lets the caller commit it, then deletes its chunk files (in this order: see class doc). */
    private void flush() throws IOException {
        if (!batch.isEmpty()) {
            packs.sync();
            placements.placed(List.copyOf(batch));
            batch.clear();
        }
        for (Path f : done) {
            Files.deleteIfExists(f);
        }
        done.clear();
    }
}
