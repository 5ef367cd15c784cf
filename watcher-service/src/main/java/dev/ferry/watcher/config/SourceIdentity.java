package dev.ferry.watcher.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The persistent identity of this watcher's source: a random id made once and kept in {@code source-id} at the top
 * of the state folder (0600). It goes in every hello; a store belongs to the first source id it hears and refuses
 * any other, so a second watcher, a stale container or a wrong URL cannot make it mirror another tree.
 */
public final class SourceIdentity {
    public static final String FILE = "source-id";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private SourceIdentity() {
    }

    /**
     * The id kept in {@code stateDir/source-id}, made (durably, without a window where a half-written file exists)
     * when missing.
     *
     * @throws IOException when it cannot be read or written, or holds something that is not an id (the message
     *                     says which file: deleting it makes this source a new one, which its store then refuses)
     */
    public static String load(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE);
        if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return read(file);
        }
        String id = UUID.randomUUID().toString();
        Path tmp = Files.createTempFile(stateDir, FILE + "-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer bb = ByteBuffer.wrap((id + "\n").getBytes(StandardCharsets.US_ASCII));
                while (bb.hasRemaining()) {
                    ch.write(bb);
                }
                ch.force(true);
            }
            try {
                // A link, not a rename: if another watcher made the file meanwhile, its id wins and this one is dropped.
                Files.createLink(file, tmp);
            } catch (FileAlreadyExistsException e) {
                return read(file);
            } catch (UnsupportedOperationException e) {
                Files.move(tmp, file);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return id;
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " is not a regular file");
        }
        String id = Files.readString(file, StandardCharsets.US_ASCII).trim();
        if (!VALID.matcher(id).matches()) {
            throw new IOException(file + " holds no source id; restore it from a backup, or delete it to make this a "
                    + "new source (its store will then refuse it until started once with --take-over)");
        }
        return id;
    }
}
