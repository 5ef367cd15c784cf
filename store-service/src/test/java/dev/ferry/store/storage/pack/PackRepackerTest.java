package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.storage.pack.PackStore.Location;
import dev.ferry.store.storage.pack.PackStore.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackRepackerTest {
    static final int MAX = 64 * 1024;
    static final long TARGET = 256 * 1024;

    @TempDir
    Path dir;
    LocalPackStore store;
    final Random random = new Random(7);
    /** The chunk index as the GC keeps it: hash to location, plus the bytes to check reads against. */
    final Map<ChunkHash, Location> index = new HashMap<>();
    final Map<ChunkHash, byte[]> content = new HashMap<>();

    @BeforeEach
    void open() throws IOException {
        store = new LocalPackStore(dir.resolve("packs"), TARGET, MAX);
    }

    @AfterEach
    void close() throws IOException {
        store.close();
    }

    /** Ten records in pack 1, then one in pack 2 so pack 1 is no longer the newest. */
    private List<Record> fillFirstPack() throws IOException {
        List<Record> first = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            first.add(add(20_000));
        }
        add(MAX);
        assertTrue(first.stream().allMatch(r -> r.location().pack() == 1));
        assertEquals(2, store.packs().size());
        store.sync();
        return first;
    }

    private Record add(int size) throws IOException {
        byte[] b = new byte[size];
        random.nextBytes(b);
        ChunkHash h = ChunkHash.compute(b, 0, size);
        Location loc = store.append(h, b, 0, size);
        index.put(h, loc);
        content.put(h, b);
        return new Record(h, loc);
    }

    private void assertIndexReadable(PackStore s) throws IOException {
        byte[] buf = new byte[MAX];
        for (Map.Entry<ChunkHash, Location> e : index.entrySet()) {
            int n = s.read(e.getValue(), buf);
            assertEquals(content.get(e.getKey()).length, n, "chunk at " + e.getValue());
            assertArrayEquals(content.get(e.getKey()), Arrays.copyOf(buf, n));
        }
    }

    /** Relocations over {@link #index}, committing into {@code committed} and checking the order it is called in. */
    class IndexRelocations implements PackRepacker.Relocations {
        final Map<ChunkHash, Location> pending = new HashMap<>();
        final List<Record> corrupt = new ArrayList<>();
        final long repacked;
        boolean failCommit;

        IndexRelocations(long repacked) {
            this.repacked = repacked;
        }

        @Override
        public void moved(Record from, Location to) throws IOException {
            assertTrue(store.packs().stream().anyMatch(p -> p.pack() == repacked), "the old pack stays until commit");
            assertEquals(from.location(), index.get(from.hash()));
            pending.put(from.hash(), to);
        }

        @Override
        public void corrupt(Record record) {
            corrupt.add(record);
        }

        @Override
        public void commit() throws IOException {
            assertTrue(store.packs().stream().anyMatch(p -> p.pack() == repacked), "the old pack stays until commit");
            if (failCommit) {
                throw new IOException("simulated crash before the commit");
            }
            index.putAll(pending);
            for (Record r : corrupt) {
                index.remove(r.hash());
                content.remove(r.hash());
            }
        }
    }

    @Test
    void liveRecordsMoveAndTheOldPackGoesOnlyAfterTheCommit() throws IOException {
        List<Record> first = fillFirstPack();
        List<Record> dead = new ArrayList<>();
        for (int i = 0; i < first.size(); i += 2) {
            dead.add(first.get(i));
            index.remove(first.get(i).hash());
            content.remove(first.get(i).hash());
        }
        Record damaged = first.get(3);
        try (FileChannel ch = FileChannel.open(store.pathOf(1), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[]{1, 2, 3}), damaged.location().offset() + 100);
        }

        IndexRelocations out = new IndexRelocations(1);
        PackRepacker.Result result = new PackRepacker(store, MAX)
                .repack(1, r -> r.location().equals(index.get(r.hash())), out);

        assertEquals(4, result.moved());
        assertEquals(5, result.dropped());
        assertEquals(1, result.corrupt());
        assertEquals(List.of(damaged), out.corrupt);
        assertFalse(store.packs().stream().anyMatch(p -> p.pack() == 1), "the old pack is deleted");
        assertFalse(index.containsKey(damaged.hash()), "a corrupt record is reported and forgotten");
        assertIndexReadable(store);
        for (Record r : dead) {
            assertTrue(store.packs().stream().noneMatch(p -> {
                try {
                    return store.records(p.pack()).stream().anyMatch(x -> x.hash().equals(r.hash()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }), "a dead record is not copied");
        }
    }

    @Test
    void aCrashBetweenCopyAndDeleteLeavesBothCopiesReadable() throws IOException {
        List<Record> first = fillFirstPack();
        IndexRelocations out = new IndexRelocations(1);
        out.failCommit = true;
        assertThrows(IOException.class, () -> new PackRepacker(store, MAX).repack(1, r -> true, out));

        assertEquals(first, store.records(1), "the old pack is kept whole");
        assertEquals(10, out.pending.size());
        store.close();
        store = new LocalPackStore(dir.resolve("packs"), TARGET, MAX);
        assertIndexReadable(store);
        Map<ChunkHash, Location> copies = new HashMap<>(out.pending);
        byte[] buf = new byte[MAX];
        for (Map.Entry<ChunkHash, Location> e : copies.entrySet()) {
            int n = store.read(e.getValue(), buf);
            assertArrayEquals(content.get(e.getKey()), Arrays.copyOf(buf, n), "the copy is synced and readable");
        }

        IndexRelocations again = new IndexRelocations(1);
        PackRepacker.Result result = new PackRepacker(store, MAX).repack(1, r -> true, again);
        assertEquals(10, result.moved());
        assertTrue(store.records(1).isEmpty());
        assertIndexReadable(store);
    }

    @Test
    void theNewestPackIsRefused() throws IOException {
        fillFirstPack();
        IndexRelocations out = new IndexRelocations(2);
        IOException e = assertThrows(IOException.class, () -> new PackRepacker(store, MAX).repack(2, r -> true, out));
        assertTrue(e.getMessage().contains("newest"), e.getMessage());
        assertTrue(out.pending.isEmpty());
        assertEquals(1, store.records(2).size());
        assertIndexReadable(store);
    }

    @Test
    void aWhollyDeadPackIsDeletedWithoutCopies() throws IOException {
        fillFirstPack();
        long before = Files.size(store.pathOf(2));
        IndexRelocations out = new IndexRelocations(1);
        PackRepacker.Result result = new PackRepacker(store, MAX).repack(1, r -> false, out);
        assertEquals(0, result.moved());
        assertEquals(10, result.dropped());
        assertEquals(before, Files.size(store.pathOf(2)), "nothing was copied");
        assertFalse(Files.exists(store.pathOf(1)));
    }
}
