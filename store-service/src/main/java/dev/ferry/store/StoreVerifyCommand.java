package dev.ferry.store;

import dev.ferry.store.audit.StoreVerifier;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.StateDatabase;
import dev.ferry.store.storage.pack.PackStore;
import dev.ferry.store.storage.pack.LocalPackStore;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.StoreOpenException;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code DEST --verify [--repair]}: the integrity check on a store that is not running, without booting the
 * service. Exit 0 when the store is consistent (or was repaired to be), 1 when problems remain, 2 when DEST is no
 * store or another process serves it (then use {@code POST /api/v1/verify}).
 */
final class StoreVerifyCommand {
    static final int OK = 0;
    static final int PROBLEMS = 1;
    static final int CANNOT = 2;

    private StoreVerifyCommand() {
    }

    static int run(Path dest, boolean repair, PrintStream out, PrintStream err) {
        if (!Files.isDirectory(dest.resolve(".ferry"))) {
            err.println("ferry-store: " + dest + " is not a Ferry store (no .ferry folder): nothing to verify");
            return CANNOT;
        }
        try (StoreLayout layout = StoreLayout.open(dest)) {
            try (StateDatabase db = StateDatabase.open(layout.stateDir().resolve(StateDatabase.FILE));
                 PackStore packs = new LocalPackStore(layout.stateDir().resolve("packs"));
                 MirrorIndex index = new MirrorIndex(layout, db)) {
                ChunkStore chunks = new ChunkStore(layout.dest(), db, packs, index, index::markDamaged,
                        dev.ferry.chunker.ChunkerParams.DEFAULT.maxSize());
                Materializer materializer = new Materializer(layout, chunks, index);
                out.println("ferry-store: verifying " + layout.dest() + (repair ? " (repairing)" : ""));
                StoreVerifier.Report r = new StoreVerifier(chunks, index, materializer, layout).verify(repair);
                StoreVerifier.describe(r).forEach(out::println);
                return r.clean() ? OK : PROBLEMS;
            }
        } catch (StoreOpenException e) {
            err.println("ferry-store: cannot verify: " + e.getMessage() + " (a running store is verified with POST "
                    + dev.ferry.protocol.Endpoints.VERIFY + ")");
            return CANNOT;
        } catch (IOException | RuntimeException e) {
            err.println("ferry-store: verify failed: " + e);
            return CANNOT;
        }
    }
}
