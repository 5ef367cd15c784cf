package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.store.storage.pack.PackStore.Location;
import dev.ferry.store.storage.pack.PackStore.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The first layout ({@code chunks/ab/<hash>}, made here by hand) moved into packs, whole and after a crash. */
class ChunkFileUpgradeTest {
    static final int MAX = 64 * 1024;
    static final int CHUNKS = 300;

    @TempDir
    Path state;
    Path chunksDir;
    LocalPackStore packs;
    /** Every chunk of the old layout with its bytes. */
    final Map<ChunkHash, byte[]> chunks = new LinkedHashMap<>();
    final Set<ChunkHash> inMirror = new HashSet<>();
    ChunkHash corrupt;
    /** The caller's committed chunk locations. */
    final Map<ChunkHash, Location> index = new HashMap<>();

    @BeforeEach
    void makeFirstLayout() throws IOException {
        chunksDir = state.resolve("chunks");
        Random random = new Random(12);
        for (int i = 0; i < CHUNKS; i++) {
            byte[] b = new byte[1 + random.nextInt(8000)];
            random.nextBytes(b);
            ChunkHash h = ChunkHash.compute(b, 0, b.length);
            Path f = fileOf(h);
            Files.createDirectories(f.getParent());
            Files.write(f, b);
            chunks.put(h, b);
            if (i % 6 == 0) {
                inMirror.add(h);
            }
        }
        corrupt = chunks.keySet().stream().filter(h -> !inMirror.contains(h)).skip(17).findFirst().orElseThrow();
        byte[] bad = chunks.get(corrupt).clone();
        bad[bad.length / 2] ^= 1;
        Files.write(fileOf(corrupt), bad);
        Files.createDirectories(chunksDir.resolve("00"));
        Files.writeString(chunksDir.resolve("00").resolve("not-a-chunk"), "junk");
        packs = new LocalPackStore(state.resolve("packs"), 4 * 1024 * 1024, MAX);
    }

    @AfterEach
    void close() throws IOException {
        packs.close();
    }

    private Path fileOf(ChunkHash h) {
        return chunksDir.resolve(h.hex().substring(0, 2)).resolve(h.hex());
    }

    private ChunkFileUpgrade upgrade(ChunkFileUpgrade.Placements placements) {
        return new ChunkFileUpgrade(chunksDir, packs, MAX, inMirror::contains, placements, 100);
    }

    private void commit(List<Record> records) {
        for (Record r : records) {
            index.put(r.hash(), r.location());
        }
    }

    /** Every chunk is a file still, or held by the mirror, or at a committed location that reads back right. */
    private void assertNoChunkLost() throws IOException {
        byte[] buf = new byte[MAX];
        for (Map.Entry<ChunkHash, byte[]> c : chunks.entrySet()) {
            ChunkHash h = c.getKey();
            if (h.equals(corrupt) || inMirror.contains(h) || Files.exists(fileOf(h))) {
                continue;
            }
            Location loc = index.get(h);
            assertTrue(loc != null, "chunk " + h + " is neither a file nor in the index");
            int n = packs.read(loc, buf);
            assertArrayEquals(c.getValue(), Arrays.copyOf(buf, Math.max(n, 0)), "chunk " + h + " at " + loc);
        }
    }

    @Test
    void chunkFilesMoveIntoPacksAndTheFolderGoes() throws IOException {
        ChunkFileUpgrade.Result result = upgrade(this::commit).run();

        long expected = CHUNKS - inMirror.size() - 1;
        assertEquals(expected, result.packed());
        assertEquals(inMirror.size(), result.heldElsewhere());
        assertEquals(1, result.corrupt());
        assertTrue(result.chunksRemoved());
        assertFalse(Files.exists(chunksDir), "chunks/ is gone");
        assertEquals(expected, index.size());
        assertFalse(index.containsKey(corrupt), "a corrupt chunk file is not packed");
        assertTrue(inMirror.stream().noneMatch(index::containsKey), "chunks the mirror holds are not packed");
        assertNoChunkLost();
        assertEquals(expected, ChunkFileUpgradeTest.allRecords(packs).size(), "each chunk packed once");

        assertEquals(new ChunkFileUpgrade.Result(0, 0, 0, 0, 0, false), upgrade(this::commit).run(),
                "a second run finds nothing to do");
    }

    @Test
    void anInterruptedUpgradeLosesNothingAndFinishesOnTheNextRun() throws IOException {
        int[] calls = {0};
        IOException crash = assertThrows(IOException.class, () -> upgrade(records -> {
            if (++calls[0] == 3) {
                throw new IOException("simulated crash before the third commit");
            }
            commit(records);
        }).run());
        assertTrue(crash.getMessage().contains("simulated"));
        assertTrue(Files.isDirectory(chunksDir), "chunks/ stays until every chunk is placed");
        assertTrue(index.size() > 0 && index.size() < CHUNKS - inMirror.size() - 1, "the run stopped midway");
        assertNoChunkLost();
        packs.close();

        packs = new LocalPackStore(state.resolve("packs"), 4 * 1024 * 1024, MAX);
        ChunkFileUpgrade.Result rerun = upgrade(this::commit).run();
        assertTrue(rerun.chunksRemoved());
        assertFalse(Files.exists(chunksDir));
        assertEquals(CHUNKS - inMirror.size() - 1, index.size());
        assertNoChunkLost();
        assertTrue(allRecords(packs).size() >= index.size(), "packed twice at worst: garbage, never a loss");
    }

    @Test
    void aChunkFileThatCannotBePackedKeepsTheFolder() throws IOException {
        byte[] big = new byte[MAX + 1];
        new Random(3).nextBytes(big);
        ChunkHash h = ChunkHash.compute(big, 0, big.length);
        Files.createDirectories(fileOf(h).getParent());
        Files.write(fileOf(h), big);

        ChunkFileUpgrade.Result result = upgrade(this::commit).run();
        assertEquals(1, result.kept());
        assertFalse(result.chunksRemoved());
        assertArrayEquals(big, Files.readAllBytes(fileOf(h)), "a chunk that cannot be packed stays a file");
        assertNoChunkLost();
    }

    static List<Record> allRecords(PackStore s) throws IOException {
        return PackStoreContract.allRecords(s);
    }
}
