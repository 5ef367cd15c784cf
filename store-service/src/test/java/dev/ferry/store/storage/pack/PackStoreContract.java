package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.store.storage.pack.PackStore.Location;
import dev.ferry.store.storage.pack.PackStore.PackInfo;
import dev.ferry.store.storage.pack.PackStore.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every {@link PackStore} does, modelled on restic's backend test suite: each test opens a fresh store, records
 * of random sizes up to the chunker's largest chunk go in, and everything that went in must come back out, across
 * rollovers, deletes, restarts and threads. Subclasses say how a store is opened and reopened.
 */
public abstract class PackStoreContract {
    /** The real chunker's largest chunk. */
    protected static final int MAX = ChunkerParams.DEFAULT.maxSize();
    /** Small packs, so a few records already roll over. */
    protected static final long TARGET = 1024 * 1024;

    protected Random random;
    protected PackStore store;

    /** A fresh, empty store with these limits. */
    protected abstract PackStore open(long targetSize, int maxRecord) throws IOException;

    /** Closes {@code old} and opens a store over the same packs, as a restart would. */
    protected abstract PackStore reopen(PackStore old) throws IOException;

    /** One record as appended: its bytes and where they went. */
    protected record Put(ChunkHash hash, byte[] bytes, Location location) {
        Record record() {
            return new Record(hash, location);
        }
    }

    @BeforeEach
    void openStore() throws IOException {
        long seed = System.nanoTime();
        System.out.println(getClass().getSimpleName() + " seed " + seed);
        random = new Random(seed);
        store = open(TARGET, MAX);
    }

    @AfterEach
    void closeStore() throws IOException {
        store.close();
    }

    /** Random bytes made once: records are slices of it, each made unique by a counter in its first bytes. */
    private static final byte[] POOL = new byte[2 * MAX + 8];
    private static final java.util.concurrent.atomic.AtomicLong UNIQUE = new java.util.concurrent.atomic.AtomicLong();

    static {
        new Random(42).nextBytes(POOL);
    }

    protected byte[] bytes(int size) {
        return slice(random, size);
    }

    protected static byte[] slice(Random r, int size) {
        byte[] b = new byte[size];
        int from = r.nextInt(POOL.length - size + 1);
        System.arraycopy(POOL, from, b, 0, size);
        long u = UNIQUE.incrementAndGet() ^ r.nextLong();
        for (int i = 0; i < Math.min(8, size); i++) {
            b[i] ^= (byte) (u >>> (8 * i));
        }
        return b;
    }

    protected Put put(int size) throws IOException {
        return put(store, size);
    }

    protected Put put(PackStore s, int size) throws IOException {
        byte[] b = bytes(size);
        ChunkHash h = ChunkHash.compute(b, 0, b.length);
        Location loc = s.append(h, b, 0, b.length);
        assertEquals(size, loc.length());
        return new Put(h, b, loc);
    }

    protected List<Put> putRandom(int count) throws IOException {
        List<Put> puts = new ArrayList<>();
        puts.add(put(1));
        puts.add(put(MAX));
        while (puts.size() < count) {
            puts.add(put(1 + random.nextInt(MAX)));
        }
        return puts;
    }

    protected void assertReadable(PackStore s, Put p) throws IOException {
        byte[] buf = new byte[MAX];
        assertEquals(p.bytes().length, s.read(p.location(), buf), "read of " + p.location());
        assertArrayEquals(p.bytes(), Arrays.copyOf(buf, p.bytes().length), "bytes at " + p.location());
    }

    protected static List<Record> allRecords(PackStore s) throws IOException {
        List<Record> all = new ArrayList<>();
        for (PackInfo info : s.packs()) {
            all.addAll(s.records(info.pack()));
        }
        return all;
    }

    @Test
    void recordsOfRandomSizesComeBackAfterSyncAndRestart() throws IOException {
        List<Put> puts = putRandom(40);
        for (Put p : puts) {
            assertReadable(store, p);
        }
        store.sync();
        store = reopen(store);
        for (Put p : puts) {
            assertReadable(store, p);
        }
    }

    @Test
    void fullPacksRollOverToNewOnes() throws IOException {
        List<Put> puts = putRandom(30);
        List<PackInfo> packs = store.packs();
        assertTrue(packs.size() >= 2, "30 records of up to 256 KiB fill more than one 1 MiB pack: " + packs);
        for (PackInfo info : packs) {
            assertTrue(info.bytes() <= TARGET, "no pack grows past the target: " + info);
        }
        long previous = 0;
        for (Put p : puts) {
            assertTrue(p.location().pack() >= previous, "appends move to newer packs only");
            previous = p.location().pack();
        }
        assertEquals(packs.get(packs.size() - 1).pack(), previous, "the last record is in the newest pack");
    }

    @Test
    void recordsListWhatWasAppendedInOrder() throws IOException {
        List<Put> puts = putRandom(25);
        store.sync();
        List<Record> expected = puts.stream().map(Put::record).toList();
        assertEquals(expected, allRecords(store));
        store = reopen(store);
        assertEquals(expected, allRecords(store), "headers alone describe the packs after a restart");
        for (PackInfo info : store.packs()) {
            assertEquals(expected.stream().filter(r -> r.location().pack() == info.pack()).toList(),
                    store.records(info.pack()));
        }
    }

    @Test
    void packsReportTheirSizeAndLastWrite() throws IOException {
        Instant before = Instant.now().minus(Duration.ofSeconds(2));
        List<Put> puts = putRandom(12);
        Instant after = Instant.now().plus(Duration.ofSeconds(2));
        List<PackInfo> packs = store.packs();
        Set<Long> ids = new HashSet<>();
        for (Put p : puts) {
            ids.add(p.location().pack());
        }
        assertEquals(ids, new HashSet<>(packs.stream().map(PackInfo::pack).toList()));
        for (PackInfo info : packs) {
            Location last = puts.stream().map(Put::location).filter(l -> l.pack() == info.pack())
                    .reduce((a, b) -> b).orElseThrow();
            assertEquals(last.offset() + last.length(), info.bytes(), "a pack ends with its last record: " + info);
            assertTrue(!info.lastWrite().isBefore(before) && !info.lastWrite().isAfter(after),
                    info.lastWrite() + " within " + before + ".." + after);
        }
    }

    @Test
    void deletedPacksReadAsGoneAndLeaveTheList() throws IOException {
        List<Put> puts = putRandom(20);
        store.sync();
        long first = puts.get(0).location().pack();
        store.delete(first);
        byte[] buf = new byte[MAX];
        for (Put p : puts) {
            if (p.location().pack() == first) {
                assertEquals(-1, store.read(p.location(), buf), "a deleted pack's record reads as gone");
            } else {
                assertReadable(store, p);
            }
        }
        assertFalse(store.packs().stream().anyMatch(i -> i.pack() == first));
        assertEquals(List.of(), store.records(first));
        store.delete(first);

        long filling = puts.get(puts.size() - 1).location().pack();
        store.delete(filling);
        Put next = put(1000);
        assertTrue(next.location().pack() > filling, "after the pack being filled is deleted a new one starts");
        assertReadable(store, next);
        assertEquals(-1, store.read(puts.get(puts.size() - 1).location(), buf));
    }

    @Test
    void aReadRacingADeleteGetsTheBytesOrGoneNeverAnError() throws Exception {
        List<Put> puts = putRandom(12);
        store.sync();
        long first = puts.get(0).location().pack();
        List<Put> doomed = puts.stream().filter(p -> p.location().pack() == first).toList();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                readers.add(pool.submit(() -> {
                    byte[] buf = new byte[MAX];
                    int gone = 0;
                    for (int i = 0; gone < 20; i++) {
                        Put p = doomed.get(i % doomed.size());
                        // Never an exception; bytes only when they are the record's; gone for good soon after.
                        int n = store.read(p.location(), buf);
                        if (n == -1) {
                            gone++;
                        } else {
                            assertArrayEquals(p.bytes(), Arrays.copyOf(buf, n));
                        }
                    }
                    return gone;
                }));
            }
            Thread.sleep(20);
            store.delete(first);
            for (Future<Integer> f : readers) {
                assertEquals(20, f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void idsAreNeverReusedAfterDeleteAndRestart() throws IOException {
        List<Put> puts = putRandom(12);
        store.sync();
        long newest = puts.get(puts.size() - 1).location().pack();
        store.delete(newest);
        store = reopen(store);
        Put next = put(5000);
        assertTrue(next.location().pack() > newest, next.location() + " after deleted pack " + newest);

        for (PackInfo info : store.packs()) {
            store.delete(info.pack());
        }
        store.sync();
        store = reopen(store);
        assertEquals(List.of(), store.packs());
        Put after = put(5000);
        assertTrue(after.location().pack() > next.location().pack(), "an empty store still remembers its last id");
        assertReadable(store, after);
    }

    @Test
    void restartedStoreFillsOnAndReadsTheOldRecords() throws IOException {
        Put a = put(3000);
        store.sync();
        store = reopen(store);
        Put b = put(4000);
        assertReadable(store, a);
        assertReadable(store, b);
        assertEquals(List.of(a.record(), b.record()), allRecords(store));
    }

    @Test
    void appendsFromFourThreadsAllComeBack() throws Exception {
        int threads = 4;
        int each = 25;
        ConcurrentLinkedQueue<Put> puts = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long seed = random.nextLong();
                done.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    start.await();
                    for (int i = 0; i < each; i++) {
                        byte[] b = slice(r, 1 + r.nextInt(MAX / 4));
                        ChunkHash h = ChunkHash.compute(b, 0, b.length);
                        puts.add(new Put(h, b, store.append(h, b, 0, b.length)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        store.sync();
        assertEquals(threads * each, puts.size());
        for (Put p : puts) {
            assertReadable(store, p);
        }
        List<Record> listed = allRecords(store);
        assertEquals(new HashSet<>(puts.stream().map(Put::record).toList()), new HashSet<>(listed));
        assertEquals(threads * each, listed.size(), "no record listed twice, none lost");
    }

    @Test
    void readsRunWhileAppendsGoOn() throws Exception {
        List<Put> published = Collections.synchronizedList(new ArrayList<>());
        published.add(put(100));
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?> writer = pool.submit(() -> {
                try {
                    for (int i = 0; i < 120; i++) {
                        published.add(put(1 + random.nextInt(MAX / 8)));
                    }
                } finally {
                    writing.set(false);
                }
                return null;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                long seed = random.nextLong();
                readers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    byte[] buf = new byte[MAX];
                    int reads = 0;
                    while (writing.get() || reads < 50) {
                        Put p;
                        synchronized (published) {
                            p = published.get(r.nextInt(published.size()));
                        }
                        assertEquals(p.bytes().length, store.read(p.location(), buf));
                        assertArrayEquals(p.bytes(), Arrays.copyOf(buf, p.bytes().length));
                        reads++;
                    }
                    return reads;
                }));
            }
            writer.get(30, TimeUnit.SECONDS);
            for (Future<Integer> f : readers) {
                assertTrue(f.get(30, TimeUnit.SECONDS) >= 50);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anInterruptedThreadBreaksNothingForTheOthers() throws Exception {
        Put a = put(3000);
        Put[] b = new Put[1];
        Thread t = new Thread(() -> {
            byte[] buf = new byte[MAX];
            Thread.currentThread().interrupt();
            try {
                store.read(a.location(), buf);
            } catch (IOException e) {
                // An interrupted read may fail (a FileChannel closes under interrupt); the others must not.
            }
            Thread.currentThread().interrupt();
            try {
                b[0] = put(4000);
            } catch (IOException e) {
                // The same for an append.
            }
        });
        t.start();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertReadable(store, a);
        Put c = put(5000);
        assertReadable(store, c);
        store.sync();
        store = reopen(store);
        assertReadable(store, a);
        assertReadable(store, c);
        if (b[0] != null) {
            assertReadable(store, b[0]);
        }
    }

    @Test
    void theLargestChunkFitsAndOneByteMoreIsRefused() throws IOException {
        Put max = put(MAX);
        assertReadable(store, max);
        byte[] big = bytes(MAX + 1);
        ChunkHash h = ChunkHash.compute(big, 0, big.length);
        IOException e = assertThrows(IOException.class, () -> store.append(h, big, 0, big.length));
        assertTrue(e.getMessage().contains(String.valueOf(MAX)), e.getMessage());
        assertThrows(IOException.class, () -> store.append(h, big, 0, 0));
        assertEquals(List.of(max.record()), allRecords(store), "a refused record leaves no trace");
    }

    @Test
    void unknownPacksAndRecordsPastTheEndReadAsGone() throws IOException {
        Put p = put(2000);
        byte[] buf = new byte[MAX];
        assertEquals(-1, store.read(new Location(p.location().pack() + 1000, 8, 10), buf));
        assertEquals(-1, store.read(new Location(p.location().pack(), p.location().offset() + 1000, 2000), buf));
        assertEquals(List.of(), store.records(p.location().pack() + 1000));
        assertThrows(IllegalArgumentException.class, () -> store.read(p.location(), new byte[10]));
        assertNotEquals(-1, store.read(p.location(), buf));
    }
}
