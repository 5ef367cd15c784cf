package dev.ferry.watcher.state;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.EntryType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state of a large tree lives on disk: a cache of {@value #ENTRIES} files is written, loaded and walked in a JVM
 * of {@value #HEAP} heap (a child process), where holding it on the heap (about 1 KB an entry) cannot fit.
 */
class LargeStateHeapTest {
    static final int ENTRIES = 300_000;
    static final String HEAP = "-Xmx40m";

    @TempDir
    Path stateDir;

    @Test
    void aCacheOfManyEntriesIsWrittenLoadedAndIteratedInASmallHeap() throws Exception {
        assertEquals("written " + ENTRIES, child("write"));
        String read = child("read");
        assertEquals("read " + ENTRIES + " files " + ENTRIES + " in order", read);
    }

    private String child(String mode) throws IOException, InterruptedException {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), HEAP,
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), Child.class.getName(), mode,
                stateDir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), "the child JVM (" + mode + ", " + HEAP + ") failed:\n" + out);
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** Writes the cache (mode "write") or loads and walks it (mode "read"); prints what it did last. */
    public static final class Child {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[1]);
            if (args[0].equals("write")) {
                LocalStateCache cache = new LocalStateCache(dir, "/src", ChunkerParams.DEFAULT);
                for (int i = 0; i < ENTRIES; i++) {
                    // In path order, as a scan puts them; built directly (a manifest would hash for its digest).
                    String path = String.format("d%03d/file-%07d.txt", i / 1000, i);
                    byte[] packed = new byte[36];
                    packed[0] = (byte) i;
                    packed[1] = (byte) (i >> 8);
                    packed[2] = (byte) (i >> 16);
                    packed[35] = 4;
                    cache.put(path, new CachedEntry(EntryType.FILE, 0644, 1_700_000_000_000_000_000L + i, 1024,
                            1000 + i, packed, null, String.format("%032x", i), false));
                    if (i % 100_000 == 0) {
                        cache.save();
                    }
                }
                cache.save();
                System.out.println("written " + cache.size());
                return;
            }
            LocalStateCache cache = LocalStateCache.load(dir, "/src", ChunkerParams.DEFAULT);
            long n = 0;
            String last = "";
            boolean ordered = true;
            for (Map.Entry<String, CachedEntry> e : cache.entries().entrySet()) {
                ordered &= e.getKey().compareTo(last) > 0 && e.getValue().chunkCount() == 1;
                last = e.getKey();
                n++;
            }
            ordered &= cache.rootDigest().length() == 64 && cache.get(last) != null;
            System.out.println("read " + n + " files " + cache.fileCount() + (ordered ? " in order" : " out of order"));
        }
    }
}
