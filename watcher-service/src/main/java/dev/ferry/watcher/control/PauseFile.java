package dev.ferry.watcher.control;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The pause that outlives a restart, as Syncthing's does: the file {@code paused} in the watcher's state folder holds
 * the instant it was paused; resuming deletes it.
 */
public final class PauseFile {
    public static final String FILE = "paused";

    private PauseFile() {
    }

    /** When this source's watcher was paused, or empty when it is not. A damaged file still counts as paused. */
    public static Optional<Instant> load(Path stateDir) throws IOException {
        String text;
        try {
            text = Files.readString(stateDir.resolve(FILE), StandardCharsets.UTF_8).trim();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.of(Files.getLastModifiedTime(stateDir.resolve(FILE)).toInstant());
        }
    }

    public static void save(Path stateDir, Instant since) throws IOException {
        Path tmp = stateDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, since.toString() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, stateDir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    public static void clear(Path stateDir) throws IOException {
        Files.deleteIfExists(stateDir.resolve(FILE));
    }
}
