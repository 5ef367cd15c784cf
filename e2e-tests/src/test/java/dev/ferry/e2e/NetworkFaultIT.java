package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Network faults injected by a {@link LoopbackProxy} between watcher and store: connections cut mid-upload and
 * mid-message, the store unreachable for a while, a slow link that stalls. The watcher resumes without sending
 * again what the store already has: the bytes re-sent after a cut are bounded by what was in flight.
 */
class NetworkFaultIT {
    private static final long MIB = 1024 * 1024;
    private static final Duration SYNC = Duration.ofSeconds(90);

    private record Setup(Path source, Path dest, FerryProcess store, LoopbackProxy proxy, Map<String, String> env) {
    }

    private static Setup setup(Path root, String name, Map<String, String> extra) throws Exception {
        Path source = Files.createDirectories(root.resolve("source"));
        Path dest = root.resolve("dest");
        Map<String, String> env = new HashMap<>(Map.of("FERRY_WATCHER_STATE_DIR", root.resolve("state").toString(),
                "FERRY_WATCHER_RETRY_MAX_DELAY", "1s"));
        env.putAll(extra);
        FerryProcess store = FerryProcess.store(name + "-store", dest, env);
        return new Setup(source, dest, store, new LoopbackProxy(store.httpPort), env);
    }

    @Test
    void aCutMidUploadResendsOnlyWhatWasInFlight(@TempDir Path root) throws Exception {
        long batch = MIB;
        int concurrency = 2;
        Setup s = setup(root, "cut-upload", Map.of("FERRY_WATCHER_UPLOAD_BATCH_BYTES", "1M",
                "FERRY_WATCHER_UPLOAD_CONCURRENCY", Integer.toString(concurrency)));
        long tree = 0;
        for (int i = 0; i < 24; i++) {
            Trees.writeRandom(s.source.resolve("d" + (i % 3) + "/f" + i + ".bin"), 500 + i, MIB);
            tree += MIB;
        }
        s.proxy.cutUpstreamAfter(tree / 2);
        try (FerryProcess watcher = FerryProcess.watcher("cut-upload-watcher", s.source, s.proxy.url(), s.env)) {
            Trees.awaitMirror(s.source, s.dest, SYNC, s.store, watcher);
            assertEquals(1, s.proxy.cuts(), "the connections were cut once, half way through the upload");
            long resent = s.proxy.upstream() - tree;
            long bound = concurrency * batch + 512 * 1024;
            System.out.printf("[fault] connections cut after %,d of %,d bytes: %,d bytes went up in all, %,d beyond the "
                    + "tree (bound: %,d in flight + 512 KiB of messages)%n", tree / 2, tree, s.proxy.upstream(), resent, bound);
            assertTrue(resent <= bound, "re-sent " + resent + " bytes after the cut, more than the " + bound
                    + " that can have been in flight\n" + watcher.logTail());
        } finally {
            s.proxy.close();
            s.store.close();
        }
    }

    @Test
    void cutMidMessageUnreachableStoreAndAStallingSlowLinkAllConverge(@TempDir Path root) throws Exception {
        Setup s = setup(root, "net", Map.of());
        Trees.write(s.source.resolve("base.txt"), "base");
        try (FerryProcess watcher = FerryProcess.watcher("net-watcher", s.source, s.proxy.url(), s.env)) {
            Trees.awaitMirror(s.source, s.dest, SYNC, s.store, watcher);

            // Mid-message: 1,500 new files make change batches of several hundred KB; cut 40 KB into them.
            s.proxy.cutUpstreamAfter(s.proxy.upstream() + 40_000);
            for (int i = 0; i < 1500; i++) {
                Trees.write(s.source.resolve("many/" + (i % 30) + "/file-" + i + ".txt"), "small file number " + i);
            }
            Trees.awaitMirror(s.source, s.dest, SYNC, s.store, watcher);
            assertEquals(1, s.proxy.cuts(), "one cut mid-message");

            // The store unreachable for a while: changes wait, the watcher says it retries, then syncs.
            s.proxy.refuse(true);
            Trees.write(s.source.resolve("while-unreachable.txt"), "written while the store could not be reached");
            Trees.await("the watcher to notice the store is away", SYNC, () -> s.proxy.refusedCount() >= 2, watcher);
            assertFalse(Files.exists(s.dest.resolve("while-unreachable.txt")));
            assertTrue(watcher.log().contains("retrying"), watcher.logTail());
            s.proxy.refuse(false);
            Trees.awaitMirror(s.source, s.dest, SYNC, s.store, watcher);

            // A slow link (about 1 MB/s) that stalls for 3 s in the middle of a 3 MiB upload.
            s.proxy.throttle(1_000_000);
            long before = s.proxy.upstream();
            Trees.writeRandom(s.source.resolve("slow/large.bin"), 77, 3 * MIB);
            Trees.await("a third of the upload", SYNC, () -> s.proxy.upstream() - before > MIB, watcher);
            s.proxy.stall(true);
            FerryProcess.sleep(3000);
            s.proxy.stall(false);
            Trees.awaitMirror(s.source, s.dest, SYNC, s.store, watcher);
            long sent = s.proxy.upstream() - before;
            System.out.printf("[fault] 3 MiB over a 1 MB/s link that stalled 3 s: %,d bytes went up%n", sent);
            assertTrue(sent < 3 * MIB + 256 * 1024, "nothing was sent twice over the slow link: " + sent);
            s.proxy.throttle(0);
        } finally {
            s.proxy.close();
            s.store.close();
        }
    }
}
