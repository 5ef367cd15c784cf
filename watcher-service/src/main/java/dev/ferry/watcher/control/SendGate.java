package dev.ferry.watcher.control;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Everything the watcher sends to the store passes here: the bandwidth limit (a Bucket4j token bucket of bytes,
 * changeable while running) and the pause switch. WebSocket frames take their bytes with {@link #acquire} before
 * they go; chunk upload bodies are published through {@link #body}, piece by piece as the bucket grants them.
 */
public final class SendGate {
    /** The gate of a watcher without limit and never paused (tests, tools). */
    public static final SendGate OPEN = new SendGate(BandwidthRate.UNLIMITED);
    /** Largest piece granted at once, the size the JDK's HTTP client cuts a byte array body into. */
    static final int PIECE = 16 * 1024;
    /** Waits are cut into slices this long at most, so a rate changed or a pause made meanwhile applies at once. */
    static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** The limit now: its bucket (null when unlimited) and the largest piece it grants. */
    private record Limit(BandwidthRate rate, Bucket bucket, long piece) {
    }

    private volatile Limit limit;
    private volatile boolean paused;
    private ScheduledExecutorService timer;

    public SendGate(BandwidthRate rate) {
        this.limit = limitFor(rate, null);
    }

    /** The limit in force. */
    public BandwidthRate rate() {
        return limit.rate();
    }

    /** Changes the limit now; bytes already granted stay granted, waiting senders go on at the new rate. */
    public synchronized void rate(BandwidthRate rate) {
        limit = limitFor(rate, limit.bucket());
    }

    /** While paused, {@link #acquire} and upload bodies fail with an IOException instead of sending. */
    public void paused(boolean value) {
        paused = value;
    }

    public boolean paused() {
        return paused;
    }

    /**
     * The bucket holds a tenth of a second of bytes (at least 1 KiB): a burst after an idle moment stays small
     * against any window a user measures over. Changing an existing bucket keeps its tokens (AS_IS), so a change
     * grants no extra burst.
     */
    private static Limit limitFor(BandwidthRate rate, Bucket current) {
        if (rate.unlimited()) {
            return new Limit(rate, null, PIECE);
        }
        long capacity = Math.max(1024, rate.bytesPerSecond() / 10);
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(l -> l.capacity(capacity).refillGreedy(rate.bytesPerSecond(), Duration.ofSeconds(1)))
                .build();
        Bucket bucket = current;
        if (bucket == null) {
            bucket = Bucket.builder().addLimit(config.getBandwidths()[0]).build();
        } else {
            bucket.replaceConfiguration(config, TokensInheritanceStrategy.AS_IS);
        }
        return new Limit(rate, bucket, Math.min(PIECE, capacity));
    }

    /**
     * Grants up to {@code wanted} bytes now: the bytes granted (more than 0), or minus the nanoseconds to wait before
     * asking again.
     */
    long grant(long wanted) {
        Limit l = limit;
        long n = Math.min(wanted, l.piece());
        if (l.bucket() == null || n <= 0) {
            return n;
        }
        ConsumptionProbe probe = l.bucket().tryConsumeAndReturnRemaining(n);
        if (probe.isConsumed()) {
            return n;
        }
        return -Math.max(1, Math.min(MAX_WAIT_NANOS, probe.getNanosToWaitForRefill()));
    }

    /** Waits until {@code bytes} may be sent (a WebSocket frame); IOException while paused. */
    public void acquire(long bytes) throws IOException, InterruptedException {
        long left = bytes;
        while (left > 0) {
            checkOpen();
            long granted = grant(left);
            if (granted > 0) {
                left -= granted;
            } else {
                TimeUnit.NANOSECONDS.sleep(-granted);
            }
        }
    }

    void checkOpen() throws IOException {
        if (paused) {
            throw new IOException("sending to the store is paused (ferry-watcher resume)");
        }
    }

    /** A request body of {@code length} bytes of {@code data} from {@code offset}, sent no faster than the limit. */
    public HttpRequest.BodyPublisher body(byte[] data, int offset, int length) {
        return new ThrottledBody(this, data, offset, length);
    }

    /** The daemon thread that wakes throttled bodies when their next piece may go. */
    synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "ferry-bwlimit");
                t.setDaemon(true);
                return t;
            });
        }
        return timer;
    }
}
