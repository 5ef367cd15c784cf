package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A full scan does not hold the tree on the heap: in a child JVM, the first sync of {@value #FILES} files (a full
 * walk that sends every entry) grows the heap in use after a full collection by less than {@link #LIVE_MAX}, and a
 * restart over them (another full walk) sends nothing. Holding an entry a file for the whole walk (its stat, its
 * path, two tree nodes: about 200 bytes a file with these names) grew it by 17 MiB here before the full scan was
 * planned folder by folder; now it grows by about 10 MiB, mostly the state database's page cache (8 MiB at most).
 */
class FullScanHeapTest {
    static final int FILES = 40_000;
    static final int PER_FOLDER = 100;
    static final String HEAP = "-Xmx64m";
    /**
     * Most growth of the heap in use after a full collection, from before the first scan to while it sends (checked
     * every 4,000 items): the state database's page cache fills (8 MiB at most), the tree must not be held.
     */
    static final long LIVE_MAX = 13L << 20;
    /** A long name: a heap that holds every path found weighs more. */
    static final String NAME = "a-file-with-a-name-long-enough-to-weigh-on-a-heap-that-holds-it-%07d.txt";

    @TempDir
    Path work;

    @Test
    void theFirstSyncAndARestartOfManyFilesRunInASmallHeap() throws Exception {
        Path source = Files.createDirectories(work.resolve("source"));
        for (int d = 0; d < FILES / PER_FOLDER; d++) {
            Path folder = Files.createDirectories(source.resolve(String.format("folder-%04d/inner", d)));
            for (int f = 0; f < PER_FOLDER; f++) {
                Files.createFile(folder.resolve(String.format(NAME, d * PER_FOLDER + f)));
            }
        }
        int folders = 2 * FILES / PER_FOLDER;
        String out = child(source, work.resolve("state"));
        // First sync: every folder and file sent; restart: nothing changed, nothing sent; every entry in the cache.
        assertEquals("first " + (FILES + folders) + " again 0 cached " + (FILES + folders), out);
    }

    private static String child(Path source, Path state) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP,
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Child.class.getName(),
                source.toString(), state.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM (" + HEAP + ") did not finish in 120 s (a heap that is too small "
                    + "keeps its collector busy before it runs out)");
        }
        assertEquals(0, p.exitValue(), "the child JVM (" + HEAP + ") failed:\n" + out);
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Two full flushes over the source, as the watcher's first sync and its restart; prints what each emitted. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path root = Path.of(args[0]);
            SourceScanner scanner = new SourceScanner(root);
            FileHasher hasher = new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            int[] emitted = new int[1];
            Path state = Path.of(args[1]);
            try (LocalStateCache cache = new LocalStateCache(state, root.toString(), ChunkerParams.DEFAULT)) {
                MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                long[] peak = new long[1];
                ChangeDetector detector = new ChangeDetector(scanner, hasher, cache, new ChangeDetector.Listener() {
                    @Override
                    public void emit(Change change) {
                        // What the scan holds while it sends: the heap still in use after a full collection.
                        if (emitted[0]++ % 4000 == 0) {
                            System.gc();
                            peak[0] = Math.max(peak[0], memory.getHeapMemoryUsage().getUsed());
                        }
                    }
                }, false, pool, 4);
                System.gc();
                long before = memory.getHeapMemoryUsage().getUsed();
                int first = detector.flush(DirtySet.everything()).changes();
                peak[0] -= before;
                cache.save();
                int again = detector.flush(DirtySet.everything()).changes();
                System.err.println("live heap grew by at most " + (peak[0] >> 10) + " KiB");
                System.out.println("first " + first + " again " + again + " cached " + cache.size()
                        + (peak[0] < LIVE_MAX ? "" : " holding " + (peak[0] >> 20) + " MiB"));
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
