package dev.ferry.store.sync;

import dev.ferry.protocol.Message;

/**
 * The connection to one watcher, as the sync code sees it: send a message, close. Its transport (the WebSocket,
 * framing, send timeouts) lives in {@code ws/}; tests give a channel of their own.
 */
public interface WatcherChannel {
    /** The connection's id, for logs. */
    String id();

    boolean isOpen();

    /**
     * Sends one message, compressed when {@code compress} (the watcher speaks protocol 2 or later) and worth it.
     * False when it was not sent: the channel was closed, or the send failed or timed out and closed it.
     */
    boolean send(Message message, boolean compress);

    /** Closes the connection with a WebSocket close code ({@link dev.ferry.protocol.ErrorCode.Close}). */
    void close(int closeCode, String reason);
}
