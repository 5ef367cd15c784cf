package dev.ferry.watcher.store;

import java.io.IOException;
import java.time.Duration;

/** One open connection to the store, as the sync engine sees it; the transport is {@link StoreConnection}. */
public interface StoreLink {

    /** Sends one text frame; blocks until it is handed to the transport. */
    void send(String frame) throws IOException;

    boolean isOpen();

    /** The peer speaks protocol 2: frames from now on may be sent compressed ({@code FrameCompression}). */
    default void compressFrames() {
    }

    /** Closes the connection; the transport then reports it closed. */
    void close(String reason);

    /**
     * What the transport reports, in order: one {@code opened}, the frames, one {@code closed} per connection.
     * Implemented by the sync engine above this package and passed down to {@link StoreConnection}.
     */
    interface Listener {
        /** A connection opened; {@code control} steers the transport's reconnect backoff. */
        void opened(StoreLink link, ConnectionControl control);

        /** One text frame from the store (any thread). */
        void received(StoreLink link, String frame);

        /** The connection closed or failed. */
        void closed(StoreLink link, String reason);
    }

    /** Lets the sync engine steer the transport's reconnect backoff. */
    interface ConnectionControl {
        /** Leaves the backoff alone (tests, and links without a transport). */
        ConnectionControl NONE = new ConnectionControl() {
            public void healthy() {
            }

            public void backOff() {
            }
        };

        /** The session did real work: the next reconnect may start from the shortest delay. */
        void healthy();

        /** Another watcher took the session: wait the longest delay before trying again. */
        void backOff();

        /** The store refused this watcher until an operator acts: try again only after {@code wait}. */
        default void refused(Duration wait) {
            backOff();
        }
    }
}
