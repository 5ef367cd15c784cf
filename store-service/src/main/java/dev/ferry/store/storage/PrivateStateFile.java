package dev.ferry.store.storage;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/**
 * Replaces one small state file of {@code .ferry} durably and privately: written to a temp file, fsynced, made
 * 0600, renamed over the file, and the folder fsynced, so a crash leaves the old file or the new one, never a torn
 * one, and no other user can read it.
 */
final class PrivateStateFile {
    private static final Logger LOG = Logger.getLogger(PrivateStateFile.class);

    private PrivateStateFile() {
    }

    /** Writes {@code bytes} as {@code file}'s new content through a temp file in {@code tmpDir} (same file system). */
    static void replace(Path file, Path tmpDir, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(tmpDir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bb = ByteBuffer.wrap(bytes);
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                ch.force(true);
            }
            PosixModes.set(tmp, 0600);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel dir = FileChannel.open(file.getParent(), EnumSet.of(StandardOpenOption.READ))) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debugf("Cannot fsync %s: %s", file.getParent(), e);
        }
    }
}
