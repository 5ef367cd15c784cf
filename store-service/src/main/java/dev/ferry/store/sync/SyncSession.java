package dev.ferry.store.sync;

import dev.ferry.protocol.FrameCompression;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One watcher connection: its socket (sends serialized, one at a time, with a timeout), whether it said hello,
 * its open batches and the index it is sending for a reconcile. The state is touched on the apply thread only.
 */
public final class SyncSession {
    private static final Logger LOG = Logger.getLogger(SyncSession.class);

    private final Session socket;
    private final long sendTimeoutMs;
    private final Object sendLock = new Object();
    private volatile boolean greeted;
    private volatile String clientId;
    private volatile String sourceId;
    private volatile java.time.Instant greetedAt;
    private volatile int protocol;
    final TreeMap<Long, Batch> batches = new TreeMap<>();
    Map<String, String> theirIndex = new HashMap<>();
    /** Heap the reconcile index holds so far, roughly. */
    long theirIndexBytes;
    /** An index is being received: changes must wait until its last batch. */
    boolean reconciling;
    /** A dry-run session ({@code hello.dryRun}): it only plans, and is never the store's current session. */
    boolean dryRun;
    /** The dry run's plan so far, by path. */
    java.util.SortedMap<String, dev.ferry.protocol.Message.PlanEntry> theirPlan = new TreeMap<>();
    /** Heap the plan holds so far, roughly. */
    long theirPlanBytes;
    /** The ignore rules of the dry run's hello. */
    dev.ferry.protocol.ignore.IgnoreRules ignore;

    public SyncSession(Session socket, Duration sendTimeout) {
        this.socket = socket;
        this.sendTimeoutMs = sendTimeout.toMillis();
    }

    /** True once a valid hello was accepted on this connection. */
    public boolean greeted() {
        return greeted;
    }

    void greet(String clientId, int protocol, String sourceId) {
        this.clientId = clientId;
        this.sourceId = sourceId;
        this.greetedAt = java.time.Instant.now();
        this.protocol = protocol;
        this.greeted = true;
        batches.clear();
        theirIndex = new HashMap<>();
        theirIndexBytes = 0;
        reconciling = false;
        dryRun = false;
        theirPlan = new TreeMap<>();
        theirPlanBytes = 0;
        ignore = null;
    }

    /** The protocol version of the watcher's hello (0 before it). */
    public int protocol() {
        return protocol;
    }

    /** The watcher's clientId from its hello, or null before it. */
    public String clientId() {
        return clientId;
    }

    /** The source id of its hello, or null (before it, or an older watcher). */
    public String sourceId() {
        return sourceId;
    }

    /** When its hello was accepted, or null before it. */
    public java.time.Instant greetedAt() {
        return greetedAt;
    }

    public boolean isOpen() {
        return socket.isOpen();
    }

    public String id() {
        return socket.getId();
    }

    /** Sends one frame; a failed or timed-out send closes the connection. False when it was not sent. */
    public boolean send(Message message) {
        String text = Wire.encode(message);
        byte[] compressed = protocol >= 2 && text.length() >= FrameCompression.MIN_BYTES ? FrameCompression.deflate(text) : null;
        synchronized (sendLock) {
            if (!socket.isOpen()) {
                return false;
            }
            try {
                if (compressed != null) {
                    socket.getAsyncRemote().sendBinary(ByteBuffer.wrap(compressed)).get(sendTimeoutMs, TimeUnit.MILLISECONDS);
                } else {
                    socket.getAsyncRemote().sendText(text).get(sendTimeoutMs, TimeUnit.MILLISECONDS);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close(CloseReason.CloseCodes.GOING_AWAY, "interrupted");
                return false;
            } catch (Exception e) {
                LOG.warnf("Cannot send to watcher %s (%s): closing its session", describe(), e);
                close(CloseReason.CloseCodes.GOING_AWAY, "send failed");
                return false;
            }
        }
    }

    /** Sends {@code error} and closes the connection. */
    public void fail(String code, String message, CloseReason.CloseCode closeCode) {
        send(new Message.Error(code, message));
        close(closeCode, code);
    }

    public void close(CloseReason.CloseCode code, String reason) {
        try {
            if (socket.isOpen()) {
                socket.close(new CloseReason(code, reason));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Closing session %s: %s", id(), e);
        }
    }

    public String describe() {
        return clientId == null ? "session " + id() : RelativePaths.printable(clientId) + " (session " + id() + ")";
    }
}
