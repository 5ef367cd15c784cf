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
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import static dev.ferry.e2e.Trees.write;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One store and one watcher kept running while the source changes the way people change folders. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveMirrorIT {
    @TempDir
    static Path root;
    static FerryPair pair;

    @BeforeAll
    static void start() throws Exception {
        pair = new FerryPair(root, "live");
        Path s = pair.source;
        write(s.resolve("readme.txt"), "hello\n");
        write(s.resolve("docs/guide/intro.md"), "# intro\n".repeat(1000));
        Trees.writeRandom(s.resolve("media/photo.bin"), 1, 3_000_000);
        Files.createDirectories(s.resolve("empty/dir"));
        Files.createFile(s.resolve("empty-file"));
        write(s.resolve("bin/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(s.resolve("bin/run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        write(s.resolve("private.txt"), "secret");
        Files.setPosixFilePermissions(s.resolve("private.txt"), PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(s.resolve("link-to-readme"), Path.of("readme.txt"));
        Files.createSymbolicLink(s.resolve("docs/outside-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(s.resolve("dangling"), Path.of("no/such/target"));
        write(s.resolve("with space/and  two.txt"), "spaces");
        write(s.resolve("-leading-dash"), "dash");
        write(s.resolve("caf\u00e9/\u00fcber \u4e2d\u6587 \ud83d\ude00.txt"), "unicode");
        write(s.resolve("n".repeat(200) + ".txt"), "long name");
        Trees.setMtime(s.resolve("readme.txt"), 1_000_000_000L);
        Trees.setMtime(s.resolve("docs/guide"), 1_100_000_000L);
        pair.startStore().startWatcher();
    }

    @AfterAll
    static void stop() throws Exception {
        pair.close();
    }

    @Test
    @Order(1)
    void treePresentAtStartIsMirrored() {
        pair.awaitMirror();
        assertTrue(Files.isSymbolicLink(pair.dest.resolve("docs/outside-link")), "symlinks stay links");
        assertTrue(Files.isExecutable(pair.dest.resolve("bin/run.sh")));
    }

    @Test
    @Order(2)
    void createsModifiesDeletesAndRenamesFollow() throws Exception {
        Path s = pair.source;
        write(s.resolve("new.txt"), "new file");
        write(s.resolve("docs/guide/intro.md"), "# rewritten\n");
        Files.delete(s.resolve("private.txt"));
        Files.move(s.resolve("media/photo.bin"), s.resolve("media/renamed.bin"));
        Files.move(s.resolve("docs"), s.resolve("documentation"));
        Files.setPosixFilePermissions(s.resolve("readme.txt"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.delete(s.resolve("link-to-readme"));
        Files.createSymbolicLink(s.resolve("link-to-readme"), Path.of("new.txt"));
        pair.awaitMirror();
    }

    @Test
    @Order(3)
    void foldersFiveLevelsDeepCreatedAndDeletedAtOnce() throws Exception {
        Path deep = pair.source.resolve("l1/l2/l3/l4/l5");
        Files.createDirectories(deep);
        for (int i = 0; i < 5; i++) {
            write(deep.resolve("f" + i + ".txt"), "deep " + i);
            write(deep.getParent().resolve("g" + i + ".txt"), "less deep " + i);
        }
        pair.awaitMirror();
        Trees.deleteTree(pair.source.resolve("l1"));
        pair.awaitMirror();
    }

    @Test
    @Order(4)
    void fortyFilesDroppedInAtOnce() throws Exception {
        Path staging = root.resolve("staging");
        for (int i = 0; i < 40; i++) {
            write(staging.resolve("drop-" + i + ".dat"), "payload " + i + " " + "x".repeat(i * 100));
        }
        Files.move(staging, pair.source.resolve("dropped"), StandardCopyOption.ATOMIC_MOVE);
        for (int i = 0; i < 40; i++) {
            write(pair.source.resolve("loose/file-" + i + ".txt"), "loose " + i);
        }
        pair.awaitMirror();
    }

    @Test
    @Order(5)
    void foreignChangesInDestAreUndone() throws Exception {
        Path d = pair.dest;
        write(d.resolve("intruder.txt"), "not from the source");
        Files.createDirectories(d.resolve("intruder-dir/sub"));
        try (RandomAccessFile f = new RandomAccessFile(d.resolve("media/renamed.bin").toFile(), "rw")) {
            f.seek(1000);
            f.write(new byte[] {1, 2, 3, 4});
        }
        Files.delete(d.resolve("new.txt"));
        Files.setPosixFilePermissions(d.resolve("readme.txt"), PosixFilePermissions.fromString("rw-rw-rw-"));
        pair.awaitMirror(Duration.ofSeconds(30));
        assertTrue(Files.notExists(d.resolve("intruder.txt")));
    }

    @Test
    @Order(6)
    void fileRewrittenWhileBeingWrittenEndsAsItsLastVersion() throws Exception {
        Path f = pair.source.resolve("growing.log");
        for (int i = 0; i < 30; i++) {
            Files.writeString(f, "line " + i + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            FerryProcess.sleep(20);
        }
        pair.awaitMirror();
    }
}
