package dev.ferry.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy between watcher and store that counts every byte each way, so byte budgets are asserted
 * from what really crossed the wire (HTTP headers, WebSocket frames and all), not from Ferry's counters; and
 * injects network faults on command: cut every open connection once the upstream count passes a mark
 * (mid-message, mid-upload), refuse new connections (the store unreachable), stall (bytes stop moving, sockets
 * stay open) and throttle (a slow link).
 * The target port can change, so a restarted store may come back on another port behind the same address.
 */
final class LoopbackProxy implements AutoCloseable {
    private final ServerSocket server;
    private volatile int targetPort;
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();
    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile boolean refusing;
    private volatile boolean stalled;
    private volatile long cutUpstreamAt = Long.MAX_VALUE;
    private volatile long bytesPerSecond;

    LoopbackProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    void target(int port) {
        targetPort = port;
    }

    long upstream() {
        return up.get();
    }

    long downstream() {
        return down.get();
    }

    long total() {
        return up.get() + down.get();
    }

    void reset() {
        up.set(0);
        down.set(0);
    }

    /** How many times open connections were cut by {@link #cutUpstreamAfter} or {@link #cutAll}. */
    int cuts() {
        return cuts.get();
    }

    /** Connections refused while {@link #refuse} was on. */
    int refusedCount() {
        return refused.get();
    }

    /** Once the upstream byte count reaches {@code upstreamTotal}, every open connection is cut (once). */
    void cutUpstreamAfter(long upstreamTotal) {
        cutUpstreamAt = upstreamTotal;
    }

    /** Cuts every open connection now. */
    void cutAll() {
        cuts.incrementAndGet();
        sockets.forEach(LoopbackProxy::closeQuietly);
        sockets.clear();
    }

    /** While on, connections are accepted and closed at once, and open ones are cut. */
    void refuse(boolean on) {
        refusing = on;
        if (on) {
            cutAll();
        }
    }

    /** While on, no byte moves either way; sockets stay open. */
    void stall(boolean on) {
        stalled = on;
    }

    /** Limits each direction of each connection to about this many bytes a second; 0 = no limit. */
    void throttle(long perSecond) {
        bytesPerSecond = perSecond;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    refused.incrementAndGet();
                    closeQuietly(client);
                    continue;
                }
                Socket target;
                try {
                    target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                } catch (IOException e) {
                    closeQuietly(client);
                    continue;
                }
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(target);
                pump(client, target, up, true);
                pump(target, client, down, false);
            } catch (IOException e) {
                if (!closed) {
                    FerryProcess.sleep(20);
                }
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong counter, boolean upstream) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    while (stalled && !from.isClosed()) {
                        FerryProcess.sleep(20);
                    }
                    if (upstream) {
                        long before = counter.get();
                        long mark = cutUpstreamAt;
                        if (before + n >= mark) {
                            // Forward only up to the mark, then cut: the peer sees a message or body end mid-way.
                            int part = (int) Math.max(0, mark - before);
                            out.write(buf, 0, part);
                            out.flush();
                            counter.addAndGet(part);
                            cutUpstreamAt = Long.MAX_VALUE;
                            cutAll();
                            return;
                        }
                    }
                    long rate = bytesPerSecond;
                    if (rate > 0) {
                        FerryProcess.sleep(Math.max(1, n * 1000L / rate));
                    }
                    counter.addAndGet(n);
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // one side closed or was cut: close the other below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        sockets.forEach(LoopbackProxy::closeQuietly);
    }
}
