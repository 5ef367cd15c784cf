package dev.ferry.watcher.sync;

import java.io.IOException;

/** One open connection to the store, as the sync engine sees it; its transport lives elsewhere. */
public interface StoreLink {

    /** Sends one text frame; blocks until it is handed to the transport. */
    void send(String frame) throws IOException;

    boolean isOpen();

    /** The peer speaks protocol 2: frames from now on may be sent compressed ({@code FrameCompression}). */
    default void compressFrames() {
    }

    /** Closes the connection; the transport then reports it closed. */
    void close(String reason);
}
