package dev.ferry.store.storage;

import dev.ferry.protocol.Manifest;
import dev.ferry.store.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A local user races the store: between the store's check of a folder and the step that relies on it, the folder
 * is swapped for a link to a folder outside DEST (it is moved aside within DEST). Steps act through the directory
 * handles they checked, so each either lands in the real folder, inside DEST, or fails; none reaches outside.
 * With checks by path (the Materializer before directory handles) every case here wrote outside DEST. Every step
 * is raced at each check it makes, and each raced run must see its swap happen.
 */
class MaterializerRaceTest {
    @TempDir
    Path base;
    Path dest;
    Path outside;
    StoreLayout layout;
    MirrorIndex index;
    Materializer materializer;
    ChunkStore chunks;
    TestData.FileData data;
    /** Swaps done in the current raced step: each must have exactly one, or it raced nothing. */
    final AtomicInteger swaps = new AtomicInteger();

    @BeforeEach
    void open() throws Exception {
        dest = Files.createDirectory(base.resolve("dest"));
        outside = Files.createDirectory(base.resolve("outside"));
        Files.createDirectories(outside.resolve("sub/d"));
        Files.writeString(outside.resolve("sub/f"), "outside file");
        Files.writeString(outside.resolve("sub/d/keep"), "keep");
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        chunks = TestChunkStores.open(layout, index);
        materializer = new Materializer(layout, chunks, index);
        data = TestData.file(2000, 1000);
        for (byte[] p : data.pieces()) {
            chunks.put(TestData.hash(p), p, 0, p.length);
        }
    }

    @AfterEach
    void close() throws Exception {
        index.close();
        layout.close();
    }

    interface Step {
        void run() throws Exception;
    }

    @Test
    void aFolderSwappedForALinkBetweenCheckAndActNeverLeadsOutside() throws Exception {
        List<String> before = outsideTree();
        List<Step> steps = List.of(
                () -> materializer.applyFile(data.manifest("race/sub/f", 0644, 1L)),
                () -> materializer.applyFile(data.manifest("race/sub/new-file", 0644, 1L)),
                () -> materializer.applyDirectory(Manifest.directory("race/sub/d", 0700, 1L)),
                () -> materializer.applyDirectory(Manifest.directory("race/sub/new-dir", 0700, 1L)),
                () -> materializer.applySymlink(Manifest.symlink("race/sub/f", 1L, "/etc/passwd")),
                () -> materializer.delete("race/sub/d"),
                () -> materializer.delete("race/sub/f"),
                () -> materializer.move("race/sub/f", "race/sub/moved"),
                () -> materializer.move("race/sub/d", "elsewhere"));
        int landedInside = 0;
        int refused = 0;
        int raced = 0;
        for (int i = 0; i < steps.size(); i++) {
            int checks = checksOf(steps.get(i));
            assertTrue(checks > 0, "step " + i + " makes no check to race");
            for (int at = 1; at <= checks; at++) {
                setUpRace();
                swaps.set(0);
                AtomicInteger calls = new AtomicInteger();
                int swapAt = at;
                materializer.betweenStepsForTests(() -> {
                    if (calls.incrementAndGet() == swapAt) {
                        swap();
                    }
                });
                try {
                    steps.get(i).run();
                    landedInside++;
                } catch (IOException e) {
                    refused++;
                } finally {
                    materializer.betweenStepsForTests(() -> { });
                }
                assertEquals(1, swaps.get(), "step " + i + ": the folder was not swapped at check " + at);
                raced++;
                assertEquals(before, outsideTree(), "step " + i + " with the swap at check " + at + " reached outside DEST");
            }
        }
        System.out.println("[race] " + raced + " raced steps, each with the folder swapped: " + landedInside
                + " acted on the real folder, " + refused + " refused, none outside DEST");
        assertTrue(landedInside > 0);
        assertTrue(raced >= 2 * steps.size(), raced + " raced steps");
    }

    /** How many checks {@code step} makes (calls of the test hook) when nothing races it. */
    private int checksOf(Step step) throws Exception {
        setUpRace();
        AtomicInteger calls = new AtomicInteger();
        materializer.betweenStepsForTests(calls::incrementAndGet);
        try {
            step.run();
        } finally {
            materializer.betweenStepsForTests(() -> { });
        }
        return calls.get();
    }

    /** DEST/race/sub/{f, d/keep}: the folder the store checks. */
    private void setUpRace() throws IOException {
        for (String p : List.of("race", "race-aside", "elsewhere")) {
            StoreLayout.deleteTree(dest.resolve(p));
        }
        Files.createDirectories(dest.resolve("race/sub/d"));
        Files.writeString(dest.resolve("race/sub/f"), "inside");
        Files.writeString(dest.resolve("race/sub/d/keep"), "inside");
    }

    /** What a racing local user does: the checked folder moves aside, a link to outside takes its place. */
    private void swap() {
        try {
            if (Files.isDirectory(dest.resolve("race"), LinkOption.NOFOLLOW_LINKS)) {
                Files.move(dest.resolve("race"), dest.resolve("race-aside"));
                Files.createSymbolicLink(dest.resolve("race"), outside);
                swaps.incrementAndGet();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<String> outsideTree() throws IOException {
        List<String> out = new ArrayList<>();
        try (var walk = Files.walk(base.resolve("outside"))) {
            for (Path p : walk.sorted().toList()) {
                out.add(base.relativize(p) + (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? "=" + TestData.hash(Files.readAllBytes(p)).hex() : "")
                        + " " + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis()
                        + " " + java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS)));
            }
        }
        return out;
    }
}
