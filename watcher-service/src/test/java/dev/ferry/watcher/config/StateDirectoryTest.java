package dev.ferry.watcher.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StateDirectoryTest {
    @TempDir
    Path tmp;

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void theDefaultFolderLiesUnderTheStateHome() {
        Path source = tmp.resolve("src");
        Path dir = StateDirectory.resolve(source, Optional.empty(), Map.of(), tmp.resolve("home").toString());
        assertEquals(tmp.resolve("home/.local/state/ferry/" + StateDirectory.sourceKey(source)), dir);
    }

    @Test
    void aSourceThatHoldsTheDefaultFolderIsRefusedWithoutAFallbackToTmp() {
        // SOURCE is the home folder: the default state folder would lie inside it.
        Path home = tmp.resolve("home");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StateDirectory.resolve(home, Optional.empty(), Map.of(), home.toString()));
        assertTrue(e.getMessage().contains("ferry.watcher.state-dir") && e.getMessage().contains("FERRY_WATCHER_STATE_DIR"),
                e.getMessage());
    }

    @Test
    void aConfiguredFolderInsideTheSourceIsRefused() {
        Path source = tmp.resolve("src");
        assertThrows(IllegalArgumentException.class,
                () -> StateDirectory.resolve(source, Optional.of(source.resolve("state")), Map.of(), "/home/x"));
    }

    @Test
    void aNewFolderIsPrivate() throws IOException {
        Path dir = tmp.resolve("a/b/state");
        StateDirectory.prepare(dir);
        assertEquals("rwx------", mode(dir));
    }

    @Test
    void aLooserFolderAndItsFilesAreTightenedAndOtherEntriesLeftAlone() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = Files.writeString(dir.resolve("state.jsonl"), "{}");
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rw-r--r--"));
        Path readOnly = Files.writeString(dir.resolve("source-id"), "id");
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--r--r--"));
        Path outside = Files.writeString(tmp.resolve("outside"), "x");
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rw-rw-rw-"));
        Files.createSymbolicLink(dir.resolve("link"), outside);

        StateDirectory.prepare(dir);

        assertEquals("rwx------", mode(dir));
        assertEquals("rw-------", mode(state));
        assertEquals("r--------", mode(readOnly), "permissions are only taken away, never added");
        assertEquals("rw-rw-rw-", mode(outside), "a link inside is not followed");
        assertEquals("id", Files.readString(readOnly), "files of others are kept");
    }

    @Test
    void aSymbolicLinkAtTheStateFoldersPathIsRefused() throws IOException {
        Path target = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path link = Files.createSymbolicLink(tmp.resolve("state"), target);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateDirectory.prepare(link));
        assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("ferry.watcher.state-dir"),
                e.getMessage());
        assertEquals("rwxrwxrwx", mode(target), "the link's target is not touched");
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aFileAtTheStateFoldersPathIsRefused() throws IOException {
        Path file = Files.writeString(tmp.resolve("state"), "x");
        assertThrows(IllegalArgumentException.class, () -> StateDirectory.prepare(file));
        assertFalse(Files.isDirectory(file));
    }
}
