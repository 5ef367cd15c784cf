package dev.ferry.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Byte budgets, counted by a TCP proxy between watcher and store: everything that crossed the wire in either
 * direction, HTTP and WebSocket framing included.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DedupBudgetIT {
    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    @TempDir
    static Path root;
    static FerryPair pair;

    @BeforeAll
    static void start() throws Exception {
        pair = new FerryPair(root, "dedup");
        pair.startStore().startWatcher();
        pair.awaitMirror();
    }

    @AfterAll
    static void stop() throws Exception {
        pair.close();
    }

    private static long measure(ThrowingRunnable change) throws Exception {
        pair.awaitMirror();
        quiet();
        pair.proxy.reset();
        change.run();
        pair.awaitMirror();
        quiet();
        return pair.proxy.total();
    }

    /**
     * Waits until the watcher says it is idle (every batch acknowledged and the store's check confirmed the
     * mirror), so acknowledgements and the check are counted with the change that caused them.
     */
    private static void quiet() {
        Trees.await("the watcher to be idle", Duration.ofSeconds(60),
                () -> SourceGuardIT.status(pair.watcher).contains("\"state\":\"idle\""), pair.watcher, pair.store);
    }

    private static void report(String what, long bytes) {
        System.out.printf("[budget] %-55s %,12d bytes on the wire%n", what, bytes);
    }

    @Test
    @Order(1)
    void identicalContentIsUploadedOnce() throws Exception {
        byte[] content = Trees.random(42, (int) (4 * MIB));
        long bytes = measure(() -> {
            for (int i = 0; i < 4; i++) {
                Path p = pair.source.resolve("copies/copy-" + i + ".bin");
                Files.createDirectories(p.getParent());
                Files.write(p, content);
            }
        });
        report("4 identical files of 4 MiB", bytes);
        assertTrue(bytes < 4 * MIB + 256 * KIB, "4 identical 4 MiB files cost " + bytes + " bytes, expected about 4 MiB once");
        assertTrue(bytes >= 4 * MIB, "the content had to cross once: " + bytes);
    }

    @Test
    @Order(2)
    void aFileTheStoreAlreadyHasUnderAnotherNameIsNotUploaded() throws Exception {
        long bytes = measure(() -> Files.copy(pair.source.resolve("copies/copy-0.bin"), pair.source.resolve("copy-again.bin")));
        report("copy of a stored 4 MiB file", bytes);
        assertTrue(bytes < 2 * KIB, "a copy of stored content cost " + bytes + " bytes (a patch against the original,"
                + " not its 57-chunk list)");
    }

    @Test
    @Order(3)
    void smallEditInALargeFileUploadsAFewChunks() throws Exception {
        Path big = pair.source.resolve("big.bin");
        long initial = measure(() -> Trees.writeRandom(big, 7, 64 * MIB));
        report("new 64 MiB file", initial);
        assertTrue(initial < 64 * MIB + 2 * MIB, "initial upload of 64 MiB cost " + initial);
        long bytes = measure(() -> {
            try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
                f.seek(30 * MIB + 12345);
                f.write(Trees.random(8, (int) (64 * KIB)));
            }
        });
        report("64 KiB overwritten inside the 64 MiB file", bytes);
        assertTrue(bytes < 128 * KIB, "a 64 KiB edit of a 64 MiB file cost " + bytes + " bytes (the changed chunks and"
                + " a patch, not the 900-chunk list)");
    }

    @Test
    @Order(4)
    void aFileSharingMostContentUploadsOnlyTheNewPart() throws Exception {
        long bytes = measure(() -> {
            Path derived = pair.source.resolve("derived.bin");
            try (var in = Files.newInputStream(pair.source.resolve("big.bin"));
                 var out = Files.newOutputStream(derived, StandardOpenOption.CREATE_NEW)) {
                out.write(in.readNBytes((int) (8 * MIB)));
                out.write(Trees.random(9, (int) MIB));
            }
        });
        report("9 MiB file sharing its first 8 MiB", bytes);
        assertTrue(bytes < 1536 * KIB, "a file with 1 MiB of new content cost " + bytes + " bytes");
    }

    @Test
    @Order(5)
    void aRenameCostsOnlyMetadata() throws Exception {
        Path eight = pair.source.resolve("eight.bin");
        measure(() -> Trees.writeRandom(eight, 11, 8 * MIB));
        long bytes = measure(() -> {
            Files.createDirectories(pair.source.resolve("moved"));
            Files.move(eight, pair.source.resolve("moved/eight-renamed.bin"));
        });
        report("rename of an 8 MiB file into a new folder", bytes);
        assertTrue(bytes < 4 * KIB, "renaming an 8 MiB file cost " + bytes + " bytes (a patch with one copy run)");
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
