package dev.ferry.store.sync;

import dev.ferry.protocol.Message;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watcher connection without a socket: it keeps what the store sends and how it was closed. */
final class CapturingChannel implements WatcherChannel {
    private final String id;
    private final LinkedBlockingQueue<Message> sent = new LinkedBlockingQueue<>();
    private volatile boolean open = true;
    private volatile int closeCode;
    private final java.util.concurrent.atomic.AtomicInteger sentSoFar = new java.util.concurrent.atomic.AtomicInteger();

    CapturingChannel(String id) {
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean send(Message message, boolean compress) {
        if (!open) {
            return false;
        }
        sent.add(message);
        sentSoFar.incrementAndGet();
        return true;
    }

    @Override
    public void close(int closeCode, String reason) {
        this.closeCode = closeCode;
        open = false;
    }

    /** How many messages were sent so far. */
    int sentSoFar() {
        return sentSoFar.get();
    }

    /** The close code, or 0 while open. */
    int closeCode() {
        return closeCode;
    }

    /** The next message sent, waiting up to 10 s for it; it must be a {@code type}. */
    <T extends Message> T next(Class<T> type) throws InterruptedException {
        Message m = sent.poll(10, TimeUnit.SECONDS);
        if (m == null) {
            throw new AssertionError("no " + type.getSimpleName() + " within 10 s");
        }
        if (!type.isInstance(m)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + m);
        }
        return type.cast(m);
    }

    /** The next message already sent, or null. */
    Message poll() {
        return sent.poll();
    }
}
