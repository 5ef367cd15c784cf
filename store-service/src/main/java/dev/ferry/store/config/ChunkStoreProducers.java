package dev.ferry.store.config;

import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.pack.LocalPackStore;
import dev.ferry.store.storage.pack.PackStore;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;

/** The chunk store's pack store: {@link LocalPackStore} under {@code .ferry/packs/}. */
public class ChunkStoreProducers {

    @Produces
    @Singleton
    PackStore packStore(StoreLayout layout) throws IOException {
        return new LocalPackStore(layout.stateDir().resolve("packs"));
    }

    void closePackStore(@Disposes PackStore packs) throws IOException {
        packs.close();
    }
}
