package dev.ferry.store.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.protocol.Wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The one source a store belongs to, kept in {@code DEST/.ferry/source.json} (0600, replaced atomically): its
 * source id, the clientId of the watcher that bound it, and when. A store without the file belongs to nobody yet;
 * the first hello binds it. Not thread-safe: the apply thread owns it.
 */
public final class SourceBinding {
    static final String FILE = "source.json";

    /** The owner as stored. */
    public record Owner(String sourceId, String clientId, String boundAt) {
    }

    private final Path file;
    private final Path tmpDir;
    private Owner owner;

    public SourceBinding(Path file, Path tmpDir) throws IOException {
        this.file = file;
        this.tmpDir = tmpDir;
        this.owner = read(file);
    }

    /** The owner, or null when no source is bound yet. */
    public Owner owner() {
        return owner;
    }

    /** Makes {@code sourceId} the owner, durably (written, fsynced, renamed, folder fsynced) before it returns. */
    public Owner bind(String sourceId, String clientId) throws IOException {
        Owner next = new Owner(sourceId, clientId, Instant.now().toString());
        byte[] json = Wire.mapper().writeValueAsBytes(next);
        PrivateStateFile.replace(file, tmpDir, json);
        owner = next;
        return next;
    }

    private static Owner read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreOpenException(file + " is not a regular file: remove it to let the next watcher bind the store");
        }
        try {
            Owner o = Wire.mapper().readValue(Files.readAllBytes(file), Owner.class);
            if (o == null || o.sourceId() == null || o.sourceId().isBlank()) {
                throw new StoreOpenException(file + " names no source id: remove it to let the next watcher bind the store");
            }
            return o;
        } catch (JsonProcessingException e) {
            throw new StoreOpenException(file + " is unreadable (" + e.getOriginalMessage()
                    + "): remove it to let the next watcher bind the store");
        }
    }
}
