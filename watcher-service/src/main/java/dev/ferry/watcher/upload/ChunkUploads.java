package dev.ferry.watcher.upload;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Message;

import java.util.List;

/** Where the sync engine hands the chunks a batch's files need; implemented by the REST uploader. */
public interface ChunkUploads {

    /** Uploads {@code missing} (hashes the store lacks), reading them from the files of {@code batch}. */
    void upload(BatchRecord batch, List<ChunkHash> missing);

    /**
     * {@code from} (a file or a directory with everything below it) moved to {@code to} in the source, in an item
     * sent after batch {@code afterBatch}: chunks of that batch and earlier ones are now read from their new place.
     */
    default void moved(String from, String to, long afterBatch) {
    }

    /**
     * A flush found {@code path} there and unchanged since it was hashed: chunks that could not be read from it
     * (the file was missing for a while, e.g. its folder moved away and back) can be read again now.
     */
    default void readable(String path) {
    }

    /** The store's welcome to a new session: which chunk codecs it decodes. */
    default void welcomed(Message.Welcome welcome) {
    }

    /** Drops every queued upload (the session they belong to ended). */
    void cancelAll();
}
