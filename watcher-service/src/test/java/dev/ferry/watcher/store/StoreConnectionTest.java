package dev.ferry.watcher.store;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.sync.ChangeDetector;
import dev.ferry.watcher.sync.SyncEngine;
import dev.ferry.watcher.sync.SyncStatus;
import dev.ferry.watcher.upload.ChunkUploads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.junit.jupiter.api.Assertions.assertTrue;

class StoreConnectionTest {
    private static final int CONNECTIONS = 12;

    @TempDir
    Path source;
    @TempDir
    Path stateDir;

    private final List<ExecutorService> executors = new ArrayList<>();
    private ServerSocket server;

    @AfterEach
    void stop() throws IOException {
        executors.forEach(ExecutorService::shutdownNow);
        if (server != null) {
            server.close();
        }
    }

    /**
     * A store that accepts the WebSocket upgrade and closes the connection at once (a proxy or a store going down):
     * each close must lead to one reconnect, not two, or the reconnect chains double on every round.
     */
    @Test
    void aConnectionClosedRightAfterTheUpgradeIsRetriedOnce() throws Exception {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        List<Long> acceptedAt = new CopyOnWriteArrayList<>();
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    acceptedAt.add(System.nanoTime());
                    upgradeAndClose(s);
                } catch (IOException | RuntimeException e) {
                    // next one
                }
            }
        }, "fake-store");
        acceptor.setDaemon(true);
        acceptor.start();

        ScheduledExecutorService tree = executor();
        ExecutorService protocol = executor();
        ScheduledExecutorService connect = executor();
        LocalStateCache cache = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        SourceScanner scanner = new SourceScanner(source);
        FileHasher hasher = new FileHasher(new FastCdc(), scanner);
        SyncEngine.Settings settings = SyncEngine.Settings.defaults(Duration.ofMillis(20), Duration.ofMillis(100),
                false, false, "test", Duration.ofSeconds(1));
        SyncEngine engine = new SyncEngine(settings, ChunkerParams.DEFAULT, cache,
                l -> new ChangeDetector(scanner, hasher, cache, l, false),
                new dev.ferry.watcher.watch.ChangeAggregator(Duration.ofMillis(20), Duration.ofMillis(200), tree),
                dev.ferry.watcher.sync.WatchedTree.NONE, new ChunkUploads() {
                    @Override
                    public void upload(dev.ferry.watcher.upload.BatchRecord batch, List<dev.ferry.chunker.ChunkHash> missing) {
                    }

                    @Override
                    public void cancelAll() {
                    }
                }, new SyncStatus(source.toString(), "fake"), tree, protocol, new SyncEngine.Outcome() {
                    @Override
                    public void synced() {
                    }

                    @Override
                    public void failed(String why, int exitCode) {
                    }
                });
        StoreConnection connection = new StoreConnection(
                StoreAddress.parse("http://127.0.0.1:" + server.getLocalPort()), Optional.empty(),
                Duration.ofMillis(100), engine, connect);
        connection.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try {
            while (acceptedAt.size() < CONNECTIONS && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            connection.stop();
        }
        // One reconnect chain waits at least the first backoff (200 ms; the 100 ms cap is below it) after each
        // close, so no two connections arrive closer together, however slow the machine. Two retries per close
        // double the chains every round: connections then arrive together.
        List<Long> at = List.copyOf(acceptedAt);
        assertTrue(at.size() >= CONNECTIONS, "the watcher stopped reconnecting: " + at.size() + " connections in 60 s");
        long closestMs = Long.MAX_VALUE;
        for (int i = 1; i < CONNECTIONS; i++) {
            closestMs = Math.min(closestMs, (at.get(i) - at.get(i - 1)) / 1_000_000);
        }
        System.out.println("[reconnect] " + CONNECTIONS + " connections in " + (at.get(CONNECTIONS - 1) - at.get(0))
                / 1_000_000 + " ms to a store that closes at once, the closest " + closestMs + " ms apart");
        assertTrue(closestMs >= 190, "two connections " + closestMs + " ms apart with a 200 ms backoff: a close was"
                + " retried more than once");
    }

    private <T extends ExecutorService> T executor() {
        @SuppressWarnings("unchecked")
        T e = (T) Executors.newSingleThreadScheduledExecutor();
        executors.add(e);
        return e;
    }

    /** Answers the WebSocket handshake, then sends a close frame and drops the connection. */
    private static void upgradeAndClose(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            head.append((char) b);
        }
        String key = null;
        for (String line : head.toString().split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Key")) {
                key = line.substring(colon + 1).trim();
            }
        }
        if (key == null) {
            return;
        }
        String accept;
        try {
            accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[] {(byte) 0x88, 0x02, 0x03, (byte) 0xE8});
        out.flush();
    }
}
