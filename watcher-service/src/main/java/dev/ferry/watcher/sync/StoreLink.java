package dev.ferry.watcher.sync;

import dev.ferry.protocol.Message;

import java.io.IOException;

/** One open connection to the store, as the sync engine sees it; its transport (and framing) lives elsewhere. */
public interface StoreLink {

    /** Sends one message; blocks until its frame is handed to the transport. */
    void send(Message message) throws IOException;

    boolean isOpen();

    /** The peer speaks protocol 2: frames from now on may be sent compressed ({@code FrameCompression}). */
    default void compressFrames() {
    }

    /** Closes the connection; the transport then reports it closed. */
    void close(String reason);
}
