package dev.ferry.store.storage.pack;

import dev.ferry.store.storage.PosixModes;
import dev.ferry.store.storage.pack.PackStore.Location;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalPackStoreTest extends PackStoreContract {
    @TempDir
    Path state;

    Path packsDir() {
        return state.resolve("packs");
    }

    @Override
    protected PackStore open(long targetSize, int maxRecord) throws IOException {
        return new LocalPackStore(packsDir(), targetSize, maxRecord);
    }

    @Override
    protected PackStore reopen(PackStore old) throws IOException {
        old.close();
        return open(TARGET, MAX);
    }

    private Path fileOf(long pack) {
        return ((LocalPackStore) store).pathOf(pack);
    }

    @Test
    void packsLieInFanOutFoldersAndStartWithTheMagic() throws IOException {
        Put p = put(500);
        store.sync();
        Path file = packsDir().resolve("01").resolve("0000000000000001.pack");
        assertEquals(file, fileOf(p.location().pack()));
        ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8);
        assertEquals(PackFormat.MAGIC, head.getInt());
        assertEquals(PackFormat.VERSION, head.getInt());
        assertEquals("1", Files.readString(packsDir().resolve(LocalPackStore.LAST_ID)).trim());
    }

    @Test
    void theLastPackOfAFanOutFolderTakesTheFolderAlong() throws IOException {
        store.close();
        store = open(9, MAX); // one record per pack: pack 257 shares fan-out folder 01 with pack 1
        List<Put> puts = new java.util.ArrayList<>();
        for (int i = 0; i < 257; i++) {
            puts.add(put(16));
        }
        store.sync();
        Path fan01 = packsDir().resolve("01");
        Path fan02 = packsDir().resolve("02");
        assertEquals(fan01, fileOf(puts.get(256).location().pack()).getParent());

        store.delete(puts.get(1).location().pack());
        assertTrue(Files.notExists(fan02), "pack 2 was the only one in folder 02");
        store.delete(puts.get(0).location().pack());
        assertTrue(Files.isDirectory(fan01), "pack 257 still lives in folder 01");
        store.delete(puts.get(256).location().pack());
        assertTrue(Files.notExists(fan01));

        // The next pack (258) belongs in folder 02, which went: it is made again, and the pack reads after a reopen.
        store.close();
        store = open(9, MAX);
        Put next = put(16);
        store.sync();
        assertEquals(fan02.resolve("0000000000000102.pack"), fileOf(next.location().pack()));
        assertTrue(Files.isRegularFile(fileOf(next.location().pack())));
        store = reopen(store);
        byte[] buf = new byte[16];
        assertEquals(16, store.read(next.location(), buf));
        assertTrue(java.util.Arrays.equals(next.bytes(), buf));
    }

    @Test
    void packsAndTheirFoldersArePrivate() throws IOException {
        Put p = put(500);
        store.sync();
        Path file = fileOf(p.location().pack());
        assertEquals(0700, PosixModes.read(packsDir()));
        assertEquals(0700, PosixModes.read(file.getParent()));
        assertEquals(0600, PosixModes.read(file));
        assertEquals(0600, PosixModes.read(packsDir().resolve(LocalPackStore.LAST_ID)));
    }

    @Test
    void aTornTailIsCutOffAndAppendsFollowTheLastWholeRecord() throws IOException {
        Put a = put(3000);
        Put b = put(5000);
        Put c = put(7000);
        store.sync();
        store.close();
        Path file = fileOf(c.location().pack());
        truncate(file, c.location().offset() + 6000);

        store = open(TARGET, MAX);
        long pack = a.location().pack();
        assertEquals(List.of(a.record(), b.record()), store.records(pack), "the listing stops before the torn record");
        Put d = put(1000);
        assertEquals(new Location(pack, b.location().offset() + 5000 + PackFormat.RECORD_HEADER, 1000),
                d.location(), "appends continue right after the last whole record");
        assertEquals(d.location().offset() + 1000, Files.size(file), "no torn bytes are left behind the new record");
        store.sync();
        store = reopen(store);
        Put e = put(2000);
        assertEquals(pack, e.location().pack(), "the repaired pack is filled further after another restart");
        for (Put p : List.of(a, b, d, e)) {
            assertReadable(store, p);
        }
        assertEquals(List.of(a.record(), b.record(), d.record(), e.record()), store.records(pack));
    }

    @Test
    void aTornHeaderIsCutOffToo() throws IOException {
        Put a = put(3000);
        Put b = put(5000);
        store.sync();
        store.close();
        truncate(fileOf(a.location().pack()), b.location().offset() - 20);

        store = open(TARGET, MAX);
        assertEquals(List.of(a.record()), store.records(a.location().pack()));
        Put c = put(1000);
        assertEquals(b.location().offset(), c.location().offset(), "the new record takes the torn one's place");
        assertReadable(store, a);
        assertReadable(store, c);
    }

    @Test
    void aGarbageHeaderStopsTheListingButDestroysNothing() throws IOException {
        Put a = put(3000);
        Put b = put(5000);
        Put c = put(7000);
        store.sync();
        store.close();
        Path file = fileOf(a.location().pack());
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Bit rot in b's header: one bit of its hash flips, its length still looks right.
            long at = b.location().offset() - PackFormat.RECORD_HEADER + 5;
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, at);
            ch.write(ByteBuffer.wrap(new byte[]{(byte) (one.get(0) ^ 0x10)}), at);
        }

        store = open(TARGET, MAX);
        assertEquals(List.of(a.record()), store.records(a.location().pack()), "no record is taken from a bad header");
        Put d = put(1000);
        assertTrue(d.location().pack() > a.location().pack(), "a damaged pack is not filled further");
        assertEquals(size, Files.size(file), "nothing is cut from a pack with a damaged header");
        assertReadable(store, a);
        assertReadable(store, b);
        assertReadable(store, c);
        assertReadable(store, d);
    }

    @Test
    void aForeignOrNewerPackIsAClearErrorNotAnEmptyPack() throws IOException {
        Put a = put(100);
        store.sync();
        store.close();
        Path file = fileOf(a.location().pack());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(4).putInt(0, 7), 4);
        }
        store = open(TARGET, MAX);
        IOException e = assertThrows(IOException.class, () -> store.records(a.location().pack()));
        assertTrue(e.getMessage().contains("version 7"), e.getMessage());
        Put b = put(100);
        assertTrue(b.location().pack() > a.location().pack(), "a pack of another version is not filled further");

        Files.write(file, "hello, not a pack".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(IOException.class, () -> store.records(a.location().pack()));
        assertTrue(e.getMessage().contains("not a Ferry pack"), e.getMessage());
    }

    @Test
    void aDamagedLastIdStopsTheOpenWithTheFix() throws IOException {
        put(100);
        store.sync();
        store.close();
        Files.writeString(packsDir().resolve(LocalPackStore.LAST_ID), "seven\n");
        IOException e = assertThrows(IOException.class, () -> open(TARGET, MAX));
        assertTrue(e.getMessage().contains("highest pack id"), e.getMessage());
        Files.writeString(packsDir().resolve(LocalPackStore.LAST_ID), "1\n");
        store = open(TARGET, MAX);
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }
}
