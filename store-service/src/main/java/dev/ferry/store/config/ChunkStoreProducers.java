package dev.ferry.store.config;

import dev.ferry.store.storage.MirrorRegions;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.pack.PackStore;
import dev.ferry.store.storage.pack.TemporaryFilePackStore;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.List;

/**
 * The chunk store's collaborators until their own implementations land (then those beans win over these defaults):
 * a minimal pack store under {@code .ferry/packs/}, and mirror regions that report none (correct, only not
 * stored-once: every chunk is then also kept in a pack).
 */
public class ChunkStoreProducers {
    /** The largest pack file. */
    static final long PACK_LIMIT = 64L << 20;

    @Produces
    @Singleton
    @DefaultBean
    PackStore packStore(StoreLayout layout) throws IOException {
        return new TemporaryFilePackStore(layout.stateDir().resolve("packs"), PACK_LIMIT);
    }

    void closePackStore(@Disposes PackStore packs) throws IOException {
        packs.close();
    }

    @Produces
    @Singleton
    @DefaultBean
    MirrorRegions noRegions() {
        return (hash, max) -> List.of();
    }
}
