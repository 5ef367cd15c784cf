package dev.ferry.store;

import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.ApplyExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;

/** Opens the store when the application starts and closes it in order (apply thread, index, lock) at shutdown. */
@Singleton
public class StoreLifecycle {
    private static final Logger LOG = Logger.getLogger(StoreLifecycle.class);

    private final StoreLayout layout;
    private final MirrorIndex index;
    private final ChunkStore chunks;
    private final ApplyExecutor apply;

    public StoreLifecycle(StoreLayout layout, MirrorIndex index, ChunkStore chunks, ApplyExecutor apply) {
        this.layout = layout;
        this.index = index;
        this.chunks = chunks;
        this.apply = apply;
    }

    void start(@Observes StartupEvent event) {
        LOG.infof("Store %s at %s: %d entries in the index, %d chunks (%d bytes)", layout.storeId(), layout.dest(),
                index.size(), chunks.chunkCount(), chunks.byteCount());
    }

    void stop(@Observes ShutdownEvent event) {
        apply.shutdown();
        try {
            index.close();
        } catch (IOException e) {
            LOG.errorf(e, "Cannot close the index journal");
        }
        try {
            layout.close();
        } catch (IOException e) {
            LOG.warnf("Cannot release the store lock: %s", e);
        }
    }
}
