package dev.ferry.store.storage;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The on-heap lookup of the region log's unfolded tail: the first 8 bytes of a chunk hash -> the log sequence numbers
 * of its regions (several per key: files sharing a chunk, or another hash with the same first 8 bytes, which the
 * caller tells apart by reading the log entry). An open-addressing table of two fixed {@code long} arrays sized for
 * {@code capacity} additions between two {@link #clear()}s, so its memory is fixed (16 bytes a slot, at most half
 * used) however large the mirror grows. Not thread-safe: {@link MirrorIndex} guards it.
 */
final class RegionTail {
    private static final long EMPTY = -1;
    private static final long REMOVED = -2;

    private final long[] keys;
    private final long[] seqs;
    private final int mask;
    private int added;

    RegionTail(int capacity) {
        int slots = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) << 1; // >= 2 x capacity: probes stay short
        keys = new long[slots];
        seqs = new long[slots];
        mask = slots - 1;
        Arrays.fill(seqs, EMPTY);
    }

    /** Adds one region; the caller folds and {@link #clear()}s before more than {@code capacity} were added. */
    void add(long key, long seq) {
        if (added >= (mask + 1) / 2) {
            throw new IllegalStateException("region tail full: fold it first");
        }
        int i = slot(key);
        while (seqs[i] >= 0) {
            i = (i + 1) & mask;
        }
        keys[i] = key;
        seqs[i] = seq;
        added++;
    }

    /** Calls {@code each} with the sequence number of every region under {@code key}. */
    void forEach(long key, LongConsumer each) {
        for (int i = slot(key); seqs[i] != EMPTY; i = (i + 1) & mask) {
            if (seqs[i] >= 0 && keys[i] == key) {
                each.accept(seqs[i]);
            }
        }
    }

    /** Forgets the region {@code seq} under {@code key}. */
    void remove(long key, long seq) {
        for (int i = slot(key); seqs[i] != EMPTY; i = (i + 1) & mask) {
            if (seqs[i] == seq && keys[i] == key) {
                seqs[i] = REMOVED; // a tombstone keeps later slots of the probe reachable
                return;
            }
        }
    }

    /**
     * The sequence numbers of every region, ordered by key as unsigned (the order of the hashes' first bytes, so a
     * fold inserts into the folded map leaf after leaf).
     */
    long[] seqsInKeyOrder() {
        int n = 0;
        for (long s : seqs) {
            n += s >= 0 ? 1 : 0;
        }
        // Top 40 bits of the key (sign flipped: signed order of the result = unsigned order of the key) + 24-bit slot.
        long[] packed = new long[n];
        int at = 0;
        for (int i = 0; i <= mask; i++) {
            if (seqs[i] >= 0) {
                packed[at++] = ((keys[i] ^ Long.MIN_VALUE) & 0xFFFF_FFFF_FF00_0000L) | i;
            }
        }
        Arrays.sort(packed);
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            out[k] = seqs[(int) (packed[k] & 0xFF_FFFF)];
        }
        return out;
    }

    /** How many regions were added since the last {@link #clear()} (removed ones included). */
    int added() {
        return added;
    }

    void clear() {
        Arrays.fill(seqs, EMPTY);
        added = 0;
    }

    private int slot(long key) {
        return (int) ((key * 0x9E37_79B9_7F4A_7C15L) >>> 40) & mask;
    }
}
