package dev.ferry.watcher.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The source id is made once, kept private, survives restarts, and a damaged file is an error, not a new id. */
class SourceIdentityTest {
    @TempDir
    Path state;

    @Test
    void madeOnceAndKept() throws Exception {
        String id = SourceIdentity.load(state);
        assertTrue(id.matches("[0-9a-f-]{36}"), id);
        assertEquals(id, SourceIdentity.load(state), "a restart keeps the identity");
        Path file = state.resolve(SourceIdentity.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(state)) {
            assertEquals(1, files.count(), "no temp file left behind");
        }
        Path other = Files.createDirectory(state.resolve("other"));
        assertNotEquals(id, SourceIdentity.load(other), "another state folder is another source");
    }

    @Test
    void aDamagedFileIsAnErrorNotANewSource() throws Exception {
        Files.writeString(state.resolve(SourceIdentity.FILE), "not an id!\n");
        IOException e = assertThrows(IOException.class, () -> SourceIdentity.load(state));
        assertTrue(e.getMessage().contains(SourceIdentity.FILE) && e.getMessage().contains("--take-over"), e.getMessage());
        assertEquals("not an id!\n", Files.readString(state.resolve(SourceIdentity.FILE)), "left as it was");
    }
}
