package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChunkDeltaTest {
    private static final long SEED = Long.getLong("ferry.test.seed", System.nanoTime());
    private static int next;

    private static ChunkRef chunk() {
        byte[] h = new byte[32];
        int n = ++next;
        h[0] = (byte) n;
        h[1] = (byte) (n >>> 8);
        h[2] = (byte) (n >>> 16);
        return new ChunkRef(ChunkHash.of(h), 1000 + n % 5000);
    }

    private static List<ChunkRef> chunks(int n) {
        List<ChunkRef> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(chunk());
        }
        return out;
    }

    private static byte[] roundTrip(List<ChunkRef> base, List<ChunkRef> target) {
        byte[] delta = ChunkDelta.encode(base, target);
        assertEquals(target, ChunkDelta.apply(base, delta, target.size()));
        return delta;
    }

    @Test
    void anEditInTheMiddleOfAHugeFileCostsAFewBytes() {
        List<ChunkRef> base = chunks(14_500);
        List<ChunkRef> overwritten = new ArrayList<>(base);
        overwritten.set(7000, chunk());
        overwritten.set(7001, chunk());
        assertTrue(roundTrip(base, overwritten).length < 100);
        List<ChunkRef> inserted = new ArrayList<>(base);
        inserted.add(1500, chunk());
        assertTrue(roundTrip(base, inserted).length < 60);
        assertTrue(roundTrip(base, base).length <= 5, "a rename or copy is one copy run");
    }

    @Test
    void everyShapeOfEditIsReproducedExactly() {
        List<ChunkRef> base = chunks(50);
        roundTrip(base, List.of());
        roundTrip(List.of(), base);
        roundTrip(base, base.subList(10, 40));
        List<ChunkRef> prepended = new ArrayList<>(chunks(3));
        prepended.addAll(base);
        roundTrip(base, prepended);
        List<ChunkRef> reversed = new ArrayList<>(base);
        java.util.Collections.reverse(reversed);
        roundTrip(base, reversed);
        List<ChunkRef> repeated = new ArrayList<>(base);
        repeated.addAll(base);
        repeated.add(base.get(0));
        roundTrip(base, repeated);
        List<ChunkRef> sameHashOtherLength = new ArrayList<>(base);
        sameHashOtherLength.set(5, new ChunkRef(base.get(5).hash(), base.get(5).length() + 1));
        roundTrip(base, sameHashOtherLength);
    }

    @Test
    void randomEditsRoundTrip() {
        System.out.println("ChunkDeltaTest seed " + SEED + " (-Dferry.test.seed to repeat)");
        Random r = new Random(SEED);
        for (int round = 0; round < 300; round++) {
            List<ChunkRef> base = chunks(r.nextInt(200));
            List<ChunkRef> target = new ArrayList<>(base);
            for (int e = r.nextInt(6); e > 0; e--) {
                int op = r.nextInt(4);
                int at = target.isEmpty() ? 0 : r.nextInt(target.size());
                if (op == 0) {
                    target.add(at, chunk());
                } else if (op == 1 && !target.isEmpty()) {
                    target.remove(at);
                } else if (op == 2 && !target.isEmpty()) {
                    target.set(at, chunk());
                } else if (!base.isEmpty()) {
                    target.add(at, base.get(r.nextInt(base.size())));
                }
            }
            roundTrip(base, target);
        }
    }

    @Test
    void malformedDeltasAreRefused() {
        List<ChunkRef> base = chunks(10);
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, new byte[] {9}, 1000), "unknown op");
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, new byte[] {1, 5, 6}, 1000), "past the end");
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, new byte[] {1, 0, 0}, 1000), "empty copy");
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, new byte[] {1, (byte) 0x80}, 1000), "cut number");
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, new byte[] {2, 1, 0, 0}, 1000), "cut literal");
        byte[] huge = new byte[12];
        Arrays.fill(huge, 1, 12, (byte) 0xff);
        huge[0] = 1;
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, huge, 1000), "overlong number");
        byte[] zeroLength = new byte[2 + 36];
        zeroLength[0] = 2;
        zeroLength[1] = 1;
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, zeroLength, 1000), "a chunk of length 0");
    }

    @Test
    void repeatedCopyRunsCannotResolvePastTheBound() {
        List<ChunkRef> base = chunks(1000);
        List<ChunkRef> twice = new ArrayList<>(base);
        twice.addAll(base);
        byte[] delta = ChunkDelta.encode(base, twice);
        assertEquals(twice, ChunkDelta.apply(base, delta, twice.size()), "a file holding its base twice is legal");
        assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, delta, twice.size() - 1));
        // 4 bytes a run of the whole base: 1 MB of runs would be 250 million chunks.
        byte[] bomb = new byte[1_000_000];
        for (int i = 0; i < bomb.length; i += 4) {
            bomb[i] = 1;
            bomb[i + 2] = (byte) 0xe8;
            bomb[i + 3] = 0x07;
        }
        long t0 = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChunkDelta.apply(base, bomb, 100_000));
        assertTrue(e.getMessage().contains("more than 100000 chunks"), e.getMessage());
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "refused before building the list");
    }

    @Test
    void aPatchResolvesToTheTargetManifestAndSurvivesJson() throws Exception {
        List<ChunkRef> base = chunks(20);
        List<ChunkRef> target = new ArrayList<>(base.subList(0, 15));
        target.add(chunk());
        long size = target.stream().mapToLong(ChunkRef::length).sum();
        long baseSize = base.stream().mapToLong(ChunkRef::length).sum();
        Manifest old = Manifest.file("a/old", 0644, 1L, baseSize, base);
        Manifest now = Manifest.file("a/new", 0755, 2L, size, target);
        Change.Patch p = Change.Patch.of(now, "a/old", old, false);
        assertEquals(old.digest(), p.baseDigest());
        Message.Changes decoded = (Message.Changes) Wire.decode(Wire.encode(new Message.Changes(7, List.of(p))));
        Change.Patch back = (Change.Patch) decoded.items().get(0);
        assertEquals(p, back);
        assertEquals(now, back.resolve(base, target.size()));
        Change.Patch lying = new Change.Patch("a/new", 0644, 1L, size + 1, "a/old", old.digest(), false, p.delta());
        assertThrows(IllegalArgumentException.class, () -> lying.resolve(base, 1000), "chunk lengths must add up to size");
    }
}
