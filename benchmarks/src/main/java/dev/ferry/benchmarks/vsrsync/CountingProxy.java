package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy that counts every payload byte in each direction (application bytes: HTTP headers,
 * WebSocket frames, rsync protocol; not TCP/IP headers). The same class sits in front of Ferry's store and of
 * the rsync daemon, so both are counted the same way and neither tool's own counters are trusted.
 */
final class CountingProxy implements AutoCloseable {
    private static final int BUFFER = 256 * 1024;

    private final String name;
    private final ServerSocket server;
    private final int targetPort;
    private final AtomicLong up = new AtomicLong();
    private final AtomicLong down = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    CountingProxy(String name, int targetPort) throws IOException {
        this.name = name;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(this::acceptLoop, name + "-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Bytes from the client (watcher, rsync client) towards the server (store, rsync daemon). */
    long upstream() {
        return up.get();
    }

    /** Bytes from the server towards the client. */
    long downstream() {
        return down.get();
    }

    long total() {
        return up.get() + down.get();
    }

    long connections() {
        return connections.get();
    }

    void reset() {
        up.set(0);
        down.set(0);
        connections.set(0);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                continue; // closed, or a transient accept failure
            }
            Socket target;
            try {
                target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
            } catch (IOException e) {
                closeQuietly(client); // the server is not up: the client sees a refused connection, as without us
                continue;
            }
            connections.incrementAndGet();
            try {
                client.setTcpNoDelay(true);
                target.setTcpNoDelay(true);
            } catch (IOException e) {
                // not fatal
            }
            sockets.add(client);
            sockets.add(target);
            AtomicInteger finished = new AtomicInteger();
            pump(client, target, up, finished);
            pump(target, client, down, finished);
        }
    }

    private void pump(Socket from, Socket to, AtomicLong counter, AtomicInteger finished) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    counter.addAndGet(n);
                    out.write(buf, 0, n);
                }
                to.shutdownOutput(); // pass a half-close on: rsync and HTTP rely on it
            } catch (IOException e) {
                finished.incrementAndGet(); // a reset: tear the whole connection down
            }
            if (finished.incrementAndGet() >= 2) {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, name + "-pump");
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
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        sockets.forEach(CountingProxy::closeQuietly);
        sockets.clear();
    }
}
