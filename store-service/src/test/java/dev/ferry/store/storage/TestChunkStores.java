package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.storage.pack.PackStore;
import dev.ferry.store.storage.pack.LocalPackStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chunk stores for tests, over the real on-disk pieces: the state database and packs under DEST/.ferry, and the
 * mirror regions the index's manifests describe (found by a scan, as the index's own lookup will answer them).
 */
public final class TestChunkStores {
    private static final Map<Path, StateDatabase> DATABASES = new HashMap<>();
    private static final Map<Path, PackStore> PACKS = new HashMap<>();

    private TestChunkStores() {
    }

    /** A chunk store for {@code layout} whose regions are those of {@code index}'s applied, undamaged files. */
    public static ChunkStore open(StoreLayout layout, MirrorIndex index) throws IOException {
        return open(layout, index, index::markDamaged);
    }

    /** The state database of {@code layout}, shared by its index and chunk store in a test. */
    public static synchronized StateDatabase db(StoreLayout layout) throws IOException {
        Path state = layout.stateDir();
        StateDatabase db = DATABASES.get(state);
        if (db == null) {
            db = StateDatabase.open(state.resolve(StateDatabase.FILE));
            DATABASES.put(state, db);
        }
        return db;
    }

    /** A chunk store for {@code layout} that knows no mirror regions: every chunk is kept in a pack. */
    public static ChunkStore withoutRegions(StoreLayout layout) throws IOException {
        return open(layout, (h, max) -> List.of(), path -> { });
    }

    public static synchronized ChunkStore open(StoreLayout layout, MirrorRegions regions, ChunkStore.DamageSink damage)
            throws IOException {
        Path state = layout.stateDir();
        StateDatabase db = db(layout);
        PackStore packs = PACKS.get(state);
        if (packs == null) {
            packs = new LocalPackStore(packsDir(layout));
            PACKS.put(state, packs);
        }
        return new ChunkStore(layout.dest(), db, packs, regions, damage, ChunkerParams.DEFAULT.maxSize());
    }

    public static Path packsDir(StoreLayout layout) {
        return layout.stateDir().resolve("packs");
    }

    /** Flips one byte of the chunk's pack record on disk, as a bad disk would. */
    public static void corruptPackRecord(StoreLayout layout, ChunkStore chunks, ChunkHash hash) throws IOException {
        chunks.flush();
        ChunkLocation loc = chunks.locationOf(hash);
        if (loc == null) {
            throw new AssertionError("no pack holds " + hash.hex());
        }
        Path pack = new LocalPackStore(packsDir(layout)).pathOf(loc.pack());
        try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            ch.read(one, loc.offset());
            one.flip();
            byte b = one.get();
            ch.write(ByteBuffer.wrap(new byte[] {(byte) (b ^ 0x5a)}), loc.offset());
        }
    }

    /** Regions from a scan of the index's manifests (tests are small). */
    public static final class IndexRegions implements MirrorRegions {
        private final MirrorIndex index;

        public IndexRegions(MirrorIndex index) {
            this.index = index;
        }

        @Override
        public List<Region> regionsOf(ChunkHash hash, int max) {
            List<Region> out = new ArrayList<>();
            for (Manifest m : index.manifests()) {
                if (m.type() != EntryType.FILE || index.damaged(m.path())) {
                    continue;
                }
                long offset = 0;
                for (ChunkRef c : m.chunks()) {
                    if (c.hash().equals(hash)) {
                        out.add(new Region(m.path(), offset, c.length()));
                        if (out.size() >= max) {
                            return out;
                        }
                        break;
                    }
                    offset += c.length();
                }
            }
            return out;
        }
    }
}
