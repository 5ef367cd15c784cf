package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;

import java.io.Closeable;
import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Append-only pack files holding chunks that no mirror file holds (old versions, uploads that arrived before their
 * file, chunks a pending file still waits for). Each record carries its chunk's hash and length in a header, so a
 * pack describes itself and the chunk locations can be rebuilt from the packs alone (as restic's packs do).
 *
 * <p>Implementations: {@code LocalPackStore} (files under {@code .ferry/packs/}) and {@code MemoryPackStore}
 * (tests); both pass {@code PackStoreContract}. A pack store never verifies hashes: its callers hash on the way in
 * and on every read. Thread-safe.
 */
public interface PackStore extends Closeable {

    /** Where a chunk's bytes lie: {@code length} bytes at {@code offset} of pack {@code pack}. */
    record Location(long pack, long offset, int length) {
    }

    /** One pack: its id, its size in bytes, and when its last record was written. */
    record PackInfo(long pack, long bytes, Instant lastWrite) {
    }

    /** One record as the pack's own header says. */
    record Record(ChunkHash hash, Location location) {
    }

    /**
     * Appends {@code len} bytes of {@code buf} as the record of {@code hash} to the pack being filled (a new pack is
     * started when it is full). Not durable until {@link #sync()}.
     */
    Location append(ChunkHash hash, byte[] buf, int off, int len) throws IOException;

    /**
     * Reads the record at {@code location} into {@code buf}.
     *
     * @return the bytes read ({@code location.length()}), or -1 when the pack or the record is gone or short
     */
    int read(Location location, byte[] buf) throws IOException;

    /** Makes every append so far durable (data and the pack's folder entry). */
    void sync() throws IOException;

    /** Every pack, the one being filled included. */
    List<PackInfo> packs() throws IOException;

    /** The records of one pack, in order, from its headers; a torn tail (a crash while appending) is left out. */
    List<Record> records(long pack) throws IOException;

    /** Deletes a whole pack; its locations are invalid afterwards. The pack being filled is closed first. */
    void delete(long pack) throws IOException;
}
