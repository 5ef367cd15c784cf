package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkHash;

import java.util.List;

/** Where the sync engine hands the chunks a batch's files need; implemented by the REST uploader. */
public interface ChunkUploads {

    /** Uploads {@code missing} (hashes the store lacks), reading them from the files of {@code batch}. */
    void upload(BatchRecord batch, List<ChunkHash> missing);

    /** Drops every queued upload (the session they belong to ended). */
    void cancelAll();
}
