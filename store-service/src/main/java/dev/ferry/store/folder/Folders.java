package dev.ferry.store.folder;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.store.audit.DestAuditor;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.storage.ChunkPeers;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.DiskQuota;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.SourceBinding;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.sync.ChunkCollector;
import dev.ferry.store.sync.StoreStats;
import dev.ferry.store.sync.SyncService;
import dev.ferry.store.sync.VersionPruner;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The folders this store serves and how a request finds its own. Without {@code ferry.store.folders} there is one
 * folder, the unnamed one (DEST itself, the CDI beans); with it, DEST is their container: each named folder is a
 * {@link FolderStack} of its own, a request without {@code folder=} is refused with {@code folder-required}, and
 * the unnamed beans serve nothing (they hold DEST's lock, so no second store serves the container).
 * Every folder's chunk store counts the chunks of the others as held ({@link ChunkPeers}).
 */
@Singleton
public class Folders {
    private static final Logger LOG = Logger.getLogger(Folders.class);

    private final FolderStack unnamed;
    /** No folder job on a stack the stop closed. */
    private final FolderJobGate jobs = new FolderJobGate();
    /** Named folders in configured order; empty for a store of one folder. */
    private final Map<String, FolderStack> named;

    public Folders(StoreConfig config, StoreLayout layout, MirrorIndex index, ChunkStore chunks, Materializer materializer,
                   ApplyExecutor apply, StoreStats stats, DiskQuota quota, SourceBinding binding, DestAuditor auditor,
                   SyncService sync, ChunkCollector collector, VersionPruner pruner) {
        this.unnamed = FolderStack.of(layout, index, chunks, materializer, apply, stats, quota, binding, auditor, sync,
                collector, pruner);
        List<FolderSpec> specs;
        try {
            specs = FolderSpec.parse(config.store().folders().orElse(List.of()), layout.dest());
        } catch (FolderSpec.BadSetting e) {
            throw new ConfigurationException(e.getMessage());
        }
        String container = specs.isEmpty() ? null : FolderSpec.containerProblem(layout.dest(), index.size());
        if (container != null) {
            throw new ConfigurationException(container);
        }
        Map<String, FolderStack> opened = new LinkedHashMap<>();
        try {
            for (FolderSpec spec : specs) {
                FolderStack f = FolderStack.open(spec.name(), spec.path(), config);
                opened.put(spec.name(), f);
                LOG.infof("Folder %s at %s: %d entries in the index, %d chunks (%d bytes)", spec.name(),
                        f.layout().dest(), f.index().size(), f.chunks().chunkCount(), f.chunks().byteCount());
            }
        } catch (IOException | RuntimeException e) {
            for (FolderStack f : opened.values()) {
                closeLogged(f);
            }
            throw new ConfigurationException("ferry.store.folders: cannot open a folder's store: " + e.getMessage(), e);
        }
        this.named = Collections.unmodifiableMap(opened);
        for (FolderStack f : named.values()) {
            f.chunks().peers(peersOf(f));
        }
        if (many()) {
            // DEST's top level is the folders: the unnamed folder's auditor must never take them for foreign.
            auditor.container();
        }
    }

    /**
     * Runs {@code job} on each named folder in turn, unless the store is stopping: the stop waits for a job under way
     * (up to the folder it is on) and no job starts on a folder once the stop began, so none reaches a closed stack.
     */
    public void eachNamed(Consumer<FolderStack> job) {
        jobs.each(named.values(), job);
    }

    /** True when the store serves named folders ({@code ferry.store.folders} set). */
    public boolean many() {
        return !named.isEmpty();
    }

    /** The named folders, in configured order (empty for a store of one folder). */
    public Collection<FolderStack> named() {
        return named.values();
    }

    /** The folders that take requests: the named ones, or the unnamed one alone. */
    public Collection<FolderStack> serving() {
        return many() ? named.values() : List.of(unnamed);
    }

    /** The names of the folders, for messages. */
    public List<String> names() {
        return new ArrayList<>(named.keySet());
    }

    /**
     * The folder a request names with {@code folder=} ({@code null} or absent: the unnamed one).
     *
     * @throws FolderRefusal {@code folder-required} (a store of many folders, none named) or {@code no-such-folder}
     */
    public FolderStack resolve(String folder) {
        if (folder == null) {
            if (many()) {
                throw new FolderRefusal(ErrorCode.FOLDER_REQUIRED, "this store serves the folders " + String.join(", ",
                        named.keySet()) + ": name one with folder=NAME (the watcher's --folder NAME, env FERRY_FOLDER)");
            }
            return unnamed;
        }
        FolderStack f = named.get(folder);
        if (f == null) {
            throw new FolderRefusal(ErrorCode.NO_SUCH_FOLDER, many()
                    ? "no folder '" + RelativePaths.printable(folder) + "' on this store: its folders are "
                    + String.join(", ", named.keySet())
                    : "this store serves one folder (no ferry.store.folders): drop folder=" + RelativePaths.printable(folder)
                    + " (the watcher's --folder)");
        }
        return f;
    }

    /** The chunks every other named folder holds, read without side effects on them. */
    private ChunkPeers peersOf(FolderStack self) {
        List<ChunkStore> others = new ArrayList<>();
        for (FolderStack f : named.values()) {
            if (f != self) {
                others.add(f.chunks());
            }
        }
        if (others.isEmpty()) {
            return ChunkPeers.NONE;
        }
        return new ChunkPeers() {
            @Override
            public boolean holds(ChunkHash hash) {
                for (ChunkStore o : others) {
                    if (o.holdsForPeer(hash)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public int read(ChunkHash hash, byte[] buf) {
                for (ChunkStore o : others) {
                    try {
                        int n = o.readForPeer(hash, buf);
                        if (n >= 0) {
                            return n;
                        }
                    } catch (IOException | RuntimeException e) {
                        // Another folder's file or pack changed under the read: not held there.
                        LOG.debugf("Reading chunk %s from another folder failed: %s", hash.hex(), e);
                    }
                }
                return -1;
            }
        };
    }

    /** Opens the folders when the application starts, so a folder that cannot be opened stops the start. */
    void start(@Observes StartupEvent event) {
        LOG.debugf("Serving %d named folder(s)", named.size());
    }

    void stop(@Observes ShutdownEvent event) {
        jobs.stop(() -> {
            for (FolderStack f : named.values()) {
                closeLogged(f);
            }
        });
    }

    private static void closeLogged(FolderStack f) {
        try {
            f.close();
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "Cannot close folder %s cleanly", f.name());
        }
    }
}
