import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StateDatabase;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * Issue 12, index brief item 5: the store's real MirrorIndex with N entries (1,000 folders of 1 KiB files, one
 * chunk each) under a small heap: puts them in apply-sized commits, computes the root digest, reopens, iterates,
 * and prints heap and RSS. {@code java -Xmx64m -cp <store-service classpath> MirrorIndexScale.java 1000000 DIR [entries per commit]}
 */
public class MirrorIndexScale {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        int perCommit = args.length > 2 ? Integer.parseInt(args[2]) : 2000;
        Files.createDirectories(dir);
        Path file = dir.resolve(StateDatabase.FILE);
        Random r = new Random(1);
        byte[] hash = new byte[ChunkHash.LENGTH];
        long t0 = System.nanoTime();
        String root;
        try (MirrorIndex index = MirrorIndex.open(file, null)) {
            for (int i = 0; i < n; i++) {
                if (i % 1000 == 0) {
                    index.put(Manifest.directory(String.format("d%04d", i / 1000), 0755, 1L));
                }
                r.nextBytes(hash);
                index.put(Manifest.file(String.format("d%04d/file-%08d.bin", i / 1000, i), 0644, 1_700_000_000L + i,
                        1024, List.of(new ChunkRef(ChunkHash.of(hash.clone()), 1024))));
                if (i % perCommit == perCommit - 1) {
                    index.flush(); // one commit per apply task
                }
                if (i % 100_000 == 99_999) {
                    System.out.printf("%d entries: %.1f s, state.mv.db %d MiB%n", i + 1, (System.nanoTime() - t0) / 1e9,
                            Files.size(file) >> 20);
                }
            }
            index.flush();
            System.out.printf("put %d entries: %.1f s%n", index.size(), (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            root = index.rootDigest();
            System.out.printf("root digest: %.2f s%n", (System.nanoTime() - t0) / 1e9);
            report("after load");
        }
        t0 = System.nanoTime();
        try (MirrorIndex index = MirrorIndex.open(file, null)) {
            System.out.printf("reopen: %.3f s, %d entries%n", (System.nanoTime() - t0) / 1e9, index.size());
            t0 = System.nanoTime();
            if (!root.equals(index.rootDigest())) {
                throw new IllegalStateException("root digest changed across a reopen");
            }
            long files = 0;
            for (Manifest m : index.manifests()) {
                files += m.chunks().size();
            }
            System.out.printf("root digest + full iteration after reopen: %.2f s (%d chunks)%n",
                    (System.nanoTime() - t0) / 1e9, files);
            report("after reopen");
        }
        System.out.printf("state.mv.db: %d MiB%n", Files.size(file) >> 20);
    }

    static void report(String when) throws Exception {
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        String hwm = "?";
        String rss = "?";
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                hwm = (Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10) + " MiB";
            } else if (line.startsWith("VmRSS:")) {
                rss = (Long.parseLong(line.replaceAll("[^0-9]", "")) >> 10) + " MiB";
            }
        }
        System.out.printf("%s: heap after GC %d MiB, RSS %s, peak RSS %s%n", when, heap >> 20, rss, hwm);
    }
}
