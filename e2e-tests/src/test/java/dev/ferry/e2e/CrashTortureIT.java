package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The crash torture test: a busy source (large files, many small files, edits, renames, deletes, symlinks, exec-bit
 * changes, folders replaced by files and back) while the store, the watcher or both are SIGKILLed at random moments
 * and restarted. After each cycle the mirror must converge with no manual step and the chunk store must hold only
 * chunks whose bytes match their names; all the while a sampler reads every file under its final name in DEST and
 * fails the test on any torn or mixed version. The sampler must be seen reading during every burst, and after
 * every convergence it must read the whole mirror once more, every file of it.
 *
 * <p>Seeded: {@code -Dtorture.seed=N} replays a schedule (the workload and the kill plan; thread timing still
 * varies). {@code -Dtorture.cycles=N} sets the length: a few cycles inside {@code ./mvnw verify}, hundreds with
 * {@code ./mvnw -B -Ptorture verify} (see docs/RELIABILITY.md).
 */
class CrashTortureIT {
    private static final int CYCLES = Integer.getInteger("torture.cycles", 3);
    private static final long SEED = Long.getLong("torture.seed", System.nanoTime() % 1_000_000_000L);
    private static final Duration CONVERGE = Duration.ofSeconds(Long.getLong("torture.converge-seconds", 120));

    private enum Victim { STORE, WATCHER, BOTH }

    private Path dest;
    private Path source;
    private Map<String, String> env;
    private LoopbackProxy proxy;
    private volatile FerryProcess store;
    private volatile FerryProcess watcher;
    private int starts;
    private long corruptSeen;

    @Test
    void killedAtRandomMomentsTheMirrorConvergesAndNeverHoldsATornFile(@TempDir Path root) throws Exception {
        System.out.printf("[torture] seed %d, %d cycles (replay: -Dtorture.seed=%d -Dtorture.cycles=%d)%n", SEED, CYCLES,
                SEED, CYCLES);
        assertSamplerCheckCanFail();
        source = Files.createDirectories(root.resolve("source"));
        dest = root.resolve("dest");
        // The workload deletes folders at random, at times more than half of its small tree within a minute: the
        // delete brake (DeleteBrakeIT's subject) would hold those deletes and the mirror could never converge here.
        env = new HashMap<>(Map.of("FERRY_WATCHER_STATE_DIR", root.resolve("watcher-state").toString(),
                "FERRY_WATCHER_RETRY_MAX_DELAY", "1s", "FERRY_WATCHER_MAX_DELETE", "off"));
        Random plan = new Random(SEED);
        TortureWorkload workload = new TortureWorkload(source, root.resolve("staging"), SEED * 31 + 7, 150, 4);
        workload.populate();
        Map<Victim, Integer> kills = new HashMap<>();
        long maxConvergeMs = 0;
        long burstReads = 0;
        ExecutorService killer = Executors.newSingleThreadExecutor();
        startStore();
        proxy = new LoopbackProxy(store.httpPort);
        startWatcher();
        try (DestSampler sampler = new DestSampler(dest, Path.of("target", "torture-evidence", Long.toString(SEED)))) {
            awaitConverged("initial sync", sampler);
            for (int cycle = 1; cycle <= CYCLES; cycle++) {
                Victim victim = Victim.values()[plan.nextInt(3)];
                int burst = 20 + plan.nextInt(60);
                long killAtMs = plan.nextInt(3000);
                long downMs = plan.nextInt(1500);
                boolean again = plan.nextInt(4) == 0;
                Victim second = Victim.values()[plan.nextInt(3)];
                long againAtMs = 200 + plan.nextInt(2500);
                long[] pauses = new long[burst];
                for (int i = 0; i < burst; i++) {
                    pauses[i] = plan.nextInt(40);
                }
                Future<?> crash = killer.submit(() -> {
                    FerryProcess.sleep(killAtMs);
                    kill(victim);
                    FerryProcess.sleep(downMs);
                    restart(victim);
                    if (again) {
                        FerryProcess.sleep(againAtMs);
                        kill(second);
                        restart(second);
                    }
                    return null;
                });
                long readsBefore = sampler.filesRead();
                for (int i = 0; i < burst; i++) {
                    workload.step();
                    FerryProcess.sleep(pauses[i]);
                }
                crash.get(5, TimeUnit.MINUTES);
                long readsInBurst = sampler.filesRead() - readsBefore;
                assertTrue(readsInBurst > 0, "[torture] seed " + SEED + ", cycle " + cycle
                        + ": the DEST sampler read no file while the services were killed and restarted");
                burstReads += readsInBurst;
                kills.merge(victim, 1, Integer::sum);
                if (again) {
                    kills.merge(second, 1, Integer::sum);
                }
                long t0 = System.nanoTime();
                awaitConverged("cycle " + cycle, sampler);
                long ms = (System.nanoTime() - t0) / 1_000_000;
                maxConvergeMs = Math.max(maxConvergeMs, ms);
                System.out.printf("[torture] cycle %d/%d: %d ops, killed %s at %d ms%s, converged %d ms after the burst; "
                                + "sampler %d files read (%d during the burst), %d torn%n", cycle, CYCLES, burst, victim,
                        killAtMs, again ? " and " + second + " " + againAtMs + " ms after restart" : "", ms,
                        sampler.filesRead(), readsInBurst, sampler.failures().size());
            }
            System.out.printf("[torture] seed %d: %d cycles survived, kills store=%d watcher=%d both=%d, %d source ops (%s), "
                            + "sampler read %d files in %d passes (%d during bursts), %d torn files, %d corrupt chunks, "
                            + "slowest convergence %d ms%n",
                    SEED, CYCLES, kills.getOrDefault(Victim.STORE, 0), kills.getOrDefault(Victim.WATCHER, 0),
                    kills.getOrDefault(Victim.BOTH, 0), workload.ops(), workload.kinds(), sampler.filesRead(),
                    sampler.passes(), burstReads, sampler.failures().size(), corruptSeen, maxConvergeMs);
        } finally {
            killer.shutdownNow();
            if (watcher != null) {
                watcher.close();
            }
            if (store != null) {
                store.close();
            }
            proxy.close();
        }
        try (Stream<Path> top = Files.list(root)) {
            Set<String> names = new TreeSet<>(top.map(p -> p.getFileName().toString()).toList());
            assertEquals(new TreeSet<>(List.of("dest", "source", "staging", "watcher-state")), names,
                    "nothing is written beside DEST");
        }
    }

    private void awaitConverged(String when, DestSampler sampler) throws Exception {
        List<FerryProcess> logs = new ArrayList<>();
        logs.add(store);
        logs.add(watcher);
        Trees.awaitMirror(source, dest, CONVERGE, logs.toArray(new FerryProcess[0]));
        long files = Trees.snapshot(source).values().stream().filter(e -> e.type().equals("file")).count();
        long read = sampler.awaitFullPass(CONVERGE);
        if (read != files) {
            throw new AssertionError("[torture] seed " + SEED + ", " + when + ": the DEST sampler's pass over the "
                    + "converged mirror read " + read + " files, the mirror has " + files);
        }
        if (!sampler.failures().isEmpty()) {
            throw new AssertionError("[torture] seed " + SEED + ", " + when + ": torn files in DEST: "
                    + sampler.failures() + "\n" + store.logTail() + "\n" + watcher.logTail());
        }
        List<String> corrupt = DestSampler.corruptChunks(dest);
        corruptSeen += corrupt.size();
        if (!corrupt.isEmpty()) {
            throw new AssertionError("[torture] seed " + SEED + ", " + when + ": corrupt chunks: " + corrupt);
        }
    }

    /** The sampler's check tells a torn version (cut, or one byte changed) from a whole one. */
    private static void assertSamplerCheckCanFail() {
        byte[] whole = VersionedContent.encode(1, 1, new byte[5000]);
        assertNull(VersionedContent.check(whole));
        assertNotNull(VersionedContent.check(Arrays.copyOf(whole, whole.length - 100)), "a cut version passed");
        byte[] flipped = whole.clone();
        flipped[2500] ^= 1;
        assertNotNull(VersionedContent.check(flipped), "a changed byte passed");
    }

    private void kill(Victim v) throws InterruptedException {
        if (v != Victim.WATCHER) {
            store.kill();
        }
        if (v != Victim.STORE) {
            watcher.kill();
        }
    }

    private void restart(Victim v) {
        if (v != Victim.WATCHER) {
            startStore();
            proxy.target(store.httpPort);
        }
        if (v != Victim.STORE) {
            startWatcher();
        }
    }

    private void startStore() {
        store = FerryProcess.store("torture-store-" + (++starts), dest, env);
    }

    private void startWatcher() {
        watcher = FerryProcess.watcher("torture-watcher-" + (++starts), source, proxy.url(), env);
    }
}
