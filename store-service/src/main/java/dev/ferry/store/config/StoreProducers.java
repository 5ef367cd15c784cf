package dev.ferry.store.config;

import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StateDatabase;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.file.Path;

/** Opens the store at {@code ferry.store.dest} for injection. */
public class StoreProducers {

    @Produces
    @Singleton
    StoreLayout layout(StoreConfig config) throws IOException {
        String dest = config.store().dest().filter(d -> !d.isBlank()).orElseThrow(() -> new IllegalStateException(
                "no DEST: pass it as the argument, or set ferry.store.dest (env FERRY_STORE_DEST)"));
        return StoreLayout.open(Path.of(dest));
    }

    /** The source this store belongs to (DEST/.ferry/source.json). */
    @Produces
    @Singleton
    SourceBinding sourceBinding(StoreLayout layout) throws IOException {
        return new SourceBinding(layout.sourceFile(), layout.tmpDir());
    }

    /** The source's ignore rules as last heard (DEST/.ferry/ignore.json). */
    @Produces
    @Singleton
    StoreIgnoreRules ignoreRules(StoreLayout layout) throws IOException {
        return new StoreIgnoreRules(layout.stateDir().resolve(StoreIgnoreRules.FILE), layout.tmpDir());
    }

    /** The store's on-disk state (DEST/.ferry/state.mv.db): index and chunk locations, committed together. */
    @Produces
    @Singleton
    StateDatabase stateDatabase(StoreLayout layout) throws IOException {
        return StateDatabase.open(layout.stateDir().resolve(StateDatabase.FILE));
    }

    void closeStateDatabase(@Disposes StateDatabase db) throws IOException {
        db.close();
    }
}
