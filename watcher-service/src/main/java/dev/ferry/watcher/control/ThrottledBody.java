package dev.ferry.watcher.control;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * A byte array request body whose pieces are handed to the HTTP client only as the {@link SendGate} grants them.
 * No thread sleeps: when the bucket is empty, the next piece is published from the gate's timer once it may go,
 * so the client's own threads never block. A pause fails the body with an IOException (the upload is retried
 * after resume).
 */
final class ThrottledBody implements HttpRequest.BodyPublisher {
    private final SendGate gate;
    private final byte[] data;
    private final int offset;
    private final int length;

    ThrottledBody(SendGate gate, byte[] data, int offset, int length) {
        this.gate = gate;
        this.data = data;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public long contentLength() {
        return length;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        Pieces pieces = new Pieces(subscriber);
        subscriber.onSubscribe(pieces);
    }

    /** One subscription: publishes the body from its start, one piece per unit of demand. */
    private final class Pieces implements Flow.Subscription {
        private final Flow.Subscriber<? super ByteBuffer> subscriber;
        private long demand;
        private boolean pumping;
        private boolean finished;
        private int position = offset;

        Pieces(Flow.Subscriber<? super ByteBuffer> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            synchronized (this) {
                if (finished) {
                    return;
                }
                if (n <= 0) {
                    finished = true;
                } else {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                }
            }
            if (n <= 0) {
                subscriber.onError(new IllegalArgumentException("non-positive demand " + n));
                return;
            }
            pump();
        }

        @Override
        public synchronized void cancel() {
            finished = true;
        }

        /** Publishes while there is demand and the gate grants bytes; one pump at a time (the flag). */
        private void pump() {
            synchronized (this) {
                if (pumping) {
                    return;
                }
                pumping = true;
            }
            while (true) {
                synchronized (this) {
                    if (finished || demand == 0) {
                        pumping = false;
                        return;
                    }
                }
                int end = offset + length;
                if (position == end) {
                    finish();
                    subscriber.onComplete();
                    return;
                }
                try {
                    gate.checkOpen();
                } catch (java.io.IOException e) {
                    finish();
                    subscriber.onError(e);
                    return;
                }
                long granted = gate.grant(end - position);
                if (granted <= 0) {
                    synchronized (this) {
                        pumping = false;
                    }
                    gate.timer().schedule(this::pump, -granted, TimeUnit.NANOSECONDS);
                    return;
                }
                ByteBuffer piece = ByteBuffer.wrap(data, position, (int) granted).slice();
                position += (int) granted;
                synchronized (this) {
                    demand--;
                }
                subscriber.onNext(piece);
            }
        }

        private synchronized void finish() {
            finished = true;
            pumping = false;
        }
    }
}
