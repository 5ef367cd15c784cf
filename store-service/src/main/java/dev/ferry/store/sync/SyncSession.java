package dev.ferry.store.sync;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.store.storage.ReconcileSpill;

import java.util.TreeMap;

/**
 * One watcher connection: its {@link WatcherChannel}, whether it said hello, its open batches and the index it is
 * sending for a reconcile. The state is touched on the apply thread only.
 */
public final class SyncSession {
    private final WatcherChannel channel;
    private volatile boolean greeted;
    private volatile String clientId;
    private volatile String sourceId;
    private volatile java.time.Instant greetedAt;
    private volatile int protocol;
    final TreeMap<Long, Batch> batches = new TreeMap<>();
    /** The index it is sending for a reconcile, on disk; null when none is under way. */
    ReconcileSpill theirIndex;
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

    public SyncSession(WatcherChannel channel) {
        this.channel = channel;
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
        endReconcile();
        dryRun = false;
        theirPlan = new TreeMap<>();
        theirPlanBytes = 0;
        ignore = null;
    }

    /** Drops the reconcile under way, if any, with its spill file. */
    void endReconcile() {
        if (theirIndex != null) {
            theirIndex.close();
            theirIndex = null;
        }
        reconciling = false;
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
        return channel.isOpen();
    }

    public String id() {
        return channel.id();
    }

    /** Sends one message; a failed or timed-out send closes the connection. False when it was not sent. */
    public boolean send(Message message) {
        return channel.send(message, FrameCodec.compresses(protocol));
    }

    /** Sends {@code error} and closes the connection with the code's close code. */
    public void fail(ErrorCode code, String message) {
        fail(code, message, code.closeCode());
    }

    /** Sends {@code error} and closes the connection with {@code closeCode}. */
    public void fail(ErrorCode code, String message, int closeCode) {
        send(new Message.Error(code, message));
        close(closeCode, code.wire());
    }

    public void close(int closeCode, String reason) {
        channel.close(closeCode, reason);
    }

    public String describe() {
        return clientId == null ? "session " + id() : RelativePaths.printable(clientId) + " (session " + id() + ")";
    }
}
