package dev.ferry.watcher.control;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bucket in the gate: the rate it holds senders to, a live change of it, and the pause switch. */
class SendGateTest {

    @Test
    void acquireHoldsTheRate() throws Exception {
        SendGate gate = new SendGate(BandwidthRate.parse("512K"));
        long t0 = System.nanoTime();
        gate.acquire(1024 * 1024);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // 1 MiB at 512 KiB/s, less the bucket's initial tenth of a second: 1.9 s.
        assertTrue(seconds > 1.75 && seconds < 2.3, "took " + seconds + " s");
    }

    @Test
    void bodyPublishesAtTheRateAndWholly() throws Exception {
        SendGate gate = new SendGate(BandwidthRate.parse("1M"));
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31);
        }
        long t0 = System.nanoTime();
        byte[] got = drain(gate.body(data, 5, data.length - 5)).get(20, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals(data.length - 5, got.length);
        assertTrue(java.util.Arrays.equals(java.util.Arrays.copyOfRange(data, 5, data.length), got));
        // 3 MiB at 1 MiB/s, less the initial tenth of a second: 2.9 s.
        assertTrue(seconds > 2.7 && seconds < 3.4, "took " + seconds + " s");
    }

    @Test
    void aLiveChangeAppliesToASenderAlreadyWaiting() throws Exception {
        SendGate gate = new SendGate(BandwidthRate.parse("4K"));
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                gate.acquire(1024 * 1024);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertTrue(!done.isDone(), "1 MiB at 4 KiB/s cannot be through in 0.3 s");
        long t0 = System.nanoTime();
        gate.rate(BandwidthRate.UNLIMITED);
        done.get(5, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1));
        assertEquals(BandwidthRate.UNLIMITED, gate.rate());
    }

    @Test
    void pausedRefusesToSendAndFailsABodyMidWay() throws Exception {
        SendGate gate = new SendGate(BandwidthRate.parse("256K"));
        CompletableFuture<byte[]> body = drain(gate.body(new byte[4 * 1024 * 1024], 0, 4 * 1024 * 1024));
        Thread.sleep(200);
        gate.paused(true);
        Exception e = assertThrows(Exception.class, () -> body.get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof IOException, String.valueOf(e.getCause()));
        assertThrows(IOException.class, () -> gate.acquire(10));
        gate.paused(false);
        gate.acquire(10);
    }

    /** Subscribes as the HTTP client does, asking for one piece at a time, and collects the bytes. */
    static CompletableFuture<byte[]> drain(HttpRequest.BodyPublisher publisher) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        AtomicLong pieces = new AtomicLong();
        publisher.subscribe(new Flow.Subscriber<>() {
            Flow.Subscription s;

            public void onSubscribe(Flow.Subscription subscription) {
                s = subscription;
                s.request(1);
            }

            public void onNext(ByteBuffer item) {
                assertTrue(item.remaining() <= SendGate.PIECE);
                byte[] b = new byte[item.remaining()];
                item.get(b);
                out.write(b, 0, b.length);
                pieces.incrementAndGet();
                s.request(1);
            }

            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            public void onComplete() {
                result.complete(out.toByteArray());
            }
        });
        return result;
    }
}
