package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.storage.pack.PackStore.Location;
import dev.ferry.store.storage.pack.PackStore.PackInfo;
import dev.ferry.store.storage.pack.PackStore.Record;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reclaims the dead part of a pack: copies its live records into the pack being filled and deletes it.
 *
 * <p>The order that makes this lossless is built into {@link #repack}: every live record is re-read and re-hashed
 * (bytes that no longer match their hash are reported through {@link Relocations#corrupt}, never copied), appended,
 * and the appends are synced; only then does the caller hear the new locations ({@link Relocations#moved}); then it
 * must make them durable ({@link Relocations#commit}); the old pack is deleted only after {@code commit} returns. A
 * crash, or an exception from the caller, anywhere before that leaves the old pack whole: the chunk index still
 * names it, and the copies are garbage for a later repack. A crash after the delete finds the new locations
 * committed.
 *
 * <p>The newest pack is refused: appends may still go to it, and copies into the pack being deleted would be lost.
 */
public final class PackRepacker {
    private static final Logger LOG = Logger.getLogger(PackRepacker.class);

    /** The caller's side of a repack: its chunk locations. Called on the repacking thread, in this order. */
    public interface Relocations {
        /** Record {@code from} now also lies, synced, at {@code to}; the caller points its location there. */
        void moved(Record from, Location to) throws IOException;

        /** Record {@code record} no longer hashes to its name: it is not copied; the caller forgets this location. */
        void corrupt(Record record) throws IOException;

        /** Makes every {@code moved} and {@code corrupt} so far durable; the old pack is deleted only after this. */
        void commit() throws IOException;
    }

    /** What one repack did: records copied and left behind (dead or corrupt), with their bytes. */
    public record Result(long pack, int moved, long movedBytes, int dropped, long droppedBytes, int corrupt) {
    }

    private final PackStore store;
    private final int maxRecord;

    /** @param maxRecord the largest record the store takes (the chunker's largest chunk) */
    public PackRepacker(PackStore store, int maxRecord) {
        this.store = store;
        this.maxRecord = maxRecord;
    }

    /**
     * Moves the records of {@code pack} that {@code live} keeps (it sees each record's hash and location, so a
     * duplicate the caller does not point at can be left behind) and deletes the pack once {@code out} committed.
     *
     * @throws IOException when the pack is the newest, a record is larger than any the store takes, or the store or
     *                     {@code out} fails; the pack is then kept
     */
    public Result repack(long pack, Predicate<Record> live, Relocations out) throws IOException {
        List<PackInfo> packs = store.packs();
        if (packs.stream().noneMatch(p -> p.pack() == pack)) {
            return new Result(pack, 0, 0, 0, 0, 0);
        }
        if (packs.get(packs.size() - 1).pack() == pack) {
            throw new IOException("pack " + pack + " is the newest and may still be filled: it is repacked once a newer one exists");
        }
        byte[] buf = new byte[maxRecord];
        List<Record> from = new ArrayList<>();
        List<Location> to = new ArrayList<>();
        List<Record> corrupt = new ArrayList<>();
        long movedBytes = 0;
        int dropped = 0;
        long droppedBytes = 0;
        for (Record r : store.records(pack)) {
            int len = r.location().length();
            if (!live.test(r)) {
                dropped++;
                droppedBytes += len;
                continue;
            }
            if (len > maxRecord) {
                throw new IOException("pack " + pack + " holds a record of " + len + " bytes, more than the " + maxRecord
                        + " a pack takes now: the pack is kept");
            }
            int n = store.read(r.location(), buf);
            if (n != len || !ChunkHash.compute(buf, 0, n).equals(r.hash())) {
                LOG.warnf("Pack %d: the record of chunk %s at byte %d no longer hashes to it: not copied", pack,
                        r.hash().hex(), r.location().offset());
                corrupt.add(r);
                continue;
            }
            Location copy = store.append(r.hash(), buf, 0, n);
            if (copy.pack() == pack) {
                throw new IOException("pack " + pack + " is being filled: it cannot be repacked");
            }
            from.add(r);
            to.add(copy);
            movedBytes += n;
        }
        store.sync();
        for (int i = 0; i < from.size(); i++) {
            out.moved(from.get(i), to.get(i));
        }
        for (Record r : corrupt) {
            out.corrupt(r);
        }
        out.commit();
        store.delete(pack);
        return new Result(pack, from.size(), movedBytes, dropped, droppedBytes, corrupt.size());
    }
}
