package dev.ferry.watcher.store;

import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.state.LocalStateCache;
import dev.ferry.watcher.sync.ChangeDetector;
import dev.ferry.watcher.sync.SyncEngine;
import dev.ferry.watcher.sync.SyncStatus;
import dev.ferry.watcher.sync.WatchedTree;
import dev.ferry.watcher.upload.ChunkUploads;
import dev.ferry.watcher.watch.ChangeAggregator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store that refuses the watcher for good (a folder token on another folder: 403 at the upgrade; no folder or an
 * unknown one: an error frame answering the hello, then a 1008 close) is a refusal like a wrong token, not an
 * outage: said with the cause and the fix, shown as state {@code refused}, final for {@code --once}, and retried
 * only slowly by a running watcher. The store here is a plain socket speaking just enough HTTP and WebSocket.
 */
class StoreRefusalTest {
    private static final String FOLDERS_MESSAGE = "this store serves the folders a, b";

    @TempDir
    Path source;
    @TempDir
    Path stateDir;

    private final List<ExecutorService> executors = new ArrayList<>();
    private ServerSocket server;
    private final List<Long> acceptedAt = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        executors.forEach(ExecutorService::shutdownNow);
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aFolderTheTokenDoesNotOpenIsARefusalNamingTheFolderAndTheFix() throws Exception {
        serve(StoreRefusalTest::forbidden);
        List<String> refusals = new CopyOnWriteArrayList<>();
        Outcome outcome = new Outcome();
        SyncStatus status = new SyncStatus(source.toString(), "fake");
        StoreConnection connection = new StoreConnection(address().withFolder(Optional.of("b")), Optional.of("folder-a-token-0123"),
                Duration.ofMillis(1500), engine(false, status, outcome), executor(), null,
                dev.ferry.watcher.control.SendGate.OPEN, why -> refusals.add(why) && false);
        connection.start();
        try {
            await("a second attempt", () -> acceptedAt.size() >= 2);
        } finally {
            connection.stop();
        }
        assertTrue(!refusals.isEmpty(), "the 403 is reported as a refusal, not retried as an outage");
        String why = refusals.get(0);
        assertTrue(why.contains("refused") && why.contains("403 wrong-folder") && why.contains("folder b")
                && why.contains("--folder"), why);
        long gapMs = (acceptedAt.get(1) - acceptedAt.get(0)) / 1_000_000;
        assertTrue(gapMs >= 1400, "a refused watcher retries at the slowest pace (1.5 s), not after " + gapMs + " ms");
    }

    @Test
    void anErrorFrameAnsweringTheHelloEndsOnceAtOnceSayingWhatToDo() throws Exception {
        serve(s -> refuseTheHello(s, true));
        assertOnceRefused();
    }

    /** The close's reason carries the refusal too: a close that overtakes (or comes without) the error frame. */
    @Test
    void aPolicyCloseWithoutTheErrorFrameIsTheSameRefusal() throws Exception {
        serve(s -> refuseTheHello(s, false));
        assertOnceRefused();
    }

    @Test
    void aRunningWatcherShowsTheRefusalAndDoesNotHammerTheStore() throws Exception {
        assertRunningRefused(true);
    }

    /** The close alone (or handled before its error frame is decoded) already holds the reconnect back. */
    @Test
    void aRunningWatcherClosedByPolicyDoesNotHammerTheStore() throws Exception {
        assertRunningRefused(false);
    }

    private void assertRunningRefused(boolean frame) throws Exception {
        serve(s -> refuseTheHello(s, frame));
        Outcome outcome = new Outcome();
        SyncStatus status = new SyncStatus(source.toString(), "fake");
        StoreConnection connection = new StoreConnection(address(), Optional.empty(), Duration.ofMillis(100),
                engine(false, status, outcome), executor());
        connection.start();
        try {
            await("the refusal in the status", () -> "refused".equals(status.state()));
            assertTrue(status.refusal().contains("folder-required") && status.refusal().contains("--folder"),
                    status.refusal());
            assertTrue(!outcome.done.isDone(), "a running watcher keeps going: " + outcome.done.getNow(null));
            // With a 100 ms backoff cap an outage is retried within a few hundred ms; a refusal waits a minute.
            long firstAt = acceptedAt.get(0);
            await("2 s after the refusal", () -> System.nanoTime() - firstAt > 2_000_000_000L);
            assertEquals(1, acceptedAt.size(), "the refused watcher connected again within 2 s: at "
                    + acceptedAt.stream().map(t -> (t - firstAt) / 1_000_000 + " ms").toList());
        } finally {
            connection.stop();
        }
    }

    private void assertOnceRefused() throws Exception {
        Outcome outcome = new Outcome();
        SyncStatus status = new SyncStatus(source.toString(), "fake");
        StoreConnection connection = new StoreConnection(address(), Optional.empty(), Duration.ofMillis(100),
                engine(true, status, outcome), executor());
        connection.start();
        String why;
        try {
            why = outcome.done.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("--once did not end at the refusal; status " + status.state() + ", last error "
                    + status.lastError() + ", connections " + acceptedAt.size(), e);
        } finally {
            connection.stop();
        }
        assertTrue(why.startsWith("3 ") && why.contains("refused") && why.contains("folder-required")
                && why.contains("a, b") && why.contains("--folder"), why);
        assertEquals("refused", status.state());
    }

    private StoreAddress address() {
        return StoreAddress.parse("http://127.0.0.1:" + server.getLocalPort());
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Records the end of a --once run as "CODE why". */
    private static final class Outcome implements SyncEngine.Outcome {
        final CompletableFuture<String> done = new CompletableFuture<>();

        @Override
        public void synced() {
            done.complete("0 synced");
        }

        @Override
        public void failed(String why, int exitCode) {
            done.complete(exitCode + " " + why);
        }
    }

    private SyncEngine engine(boolean once, SyncStatus status, SyncEngine.Outcome outcome) {
        ScheduledExecutorService tree = executor();
        ExecutorService protocol = executor();
        LocalStateCache cache = LocalStateCache.load(stateDir, source.toString(), ChunkerParams.DEFAULT);
        SourceScanner scanner = new SourceScanner(source);
        FileHasher hasher = new FileHasher(new FastCdc(), scanner);
        SyncEngine.Settings settings = SyncEngine.Settings.defaults(Duration.ofMillis(20), Duration.ofMillis(100),
                once, true, "test", Duration.ofSeconds(1));
        return new SyncEngine(settings, ChunkerParams.DEFAULT, cache,
                l -> new ChangeDetector(scanner, hasher, cache, l, true),
                new ChangeAggregator(Duration.ofMillis(20), Duration.ofMillis(200), tree), WatchedTree.NONE,
                new ChunkUploads() {
                    @Override
                    public void upload(dev.ferry.watcher.upload.BatchRecord batch, List<dev.ferry.chunker.ChunkHash> missing) {
                    }

                    @Override
                    public void cancelAll() {
                    }
                }, status, tree, protocol, outcome);
    }

    private ScheduledExecutorService executor() {
        ScheduledExecutorService e = Executors.newSingleThreadScheduledExecutor();
        executors.add(e);
        return e;
    }

    private void serve(Consumer<Socket> answer) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    acceptedAt.add(System.nanoTime());
                    answer.accept(s);
                } catch (IOException | RuntimeException e) {
                    // next one
                }
            }
        }, "fake-store");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The store's answer to a folder token naming another folder: 403 before the upgrade. */
    private static void forbidden(Socket s) {
        try {
            readHead(s);
            byte[] body = "{\"error\":\"wrong-folder\",\"message\":\"this token opens folder a only\"}"
                    .getBytes(StandardCharsets.UTF_8);
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The store's answer to a hello naming no folder on a store of folders: an error frame (when {@code frame}),
     * then a close 1008 with reason {@code folder-required: message}.
     */
    private static void refuseTheHello(Socket s, boolean frame) {
        try {
            String key = null;
            for (String line : readHead(s).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Sec-WebSocket-Key")) {
                    key = line.substring(colon + 1).trim();
                }
            }
            String accept = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-1").digest(
                    (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII)));
            OutputStream out = s.getOutputStream();
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            readFrame(s.getInputStream()); // the hello
            if (frame) {
                String error = FrameCodec.encode(new Message.Error("folder-required", FOLDERS_MESSAGE), false).text();
                writeFrame(out, 0x81, error.getBytes(StandardCharsets.UTF_8));
            }
            byte[] reason = ("folder-required: " + FOLDERS_MESSAGE).getBytes(StandardCharsets.UTF_8);
            byte[] close = new byte[2 + reason.length];
            close[0] = (byte) (1008 >> 8);
            close[1] = (byte) (1008 & 0xff);
            System.arraycopy(reason, 0, close, 2, reason.length);
            writeFrame(out, 0x88, close);
            out.flush();
            s.setSoTimeout(2000);
            readFrame(s.getInputStream()); // the client's close, or nothing
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String readHead(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed during the request");
            }
            head.append((char) b);
        }
        return head.toString();
    }

    /** One client frame (masked), its payload discarded. */
    private static void readFrame(InputStream in) throws IOException {
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0) {
            return;
        }
        long length = second & 0x7f;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | in.read();
            }
        }
        long skip = length + ((second & 0x80) != 0 ? 4 : 0);
        in.readNBytes((int) Math.min(skip, 16 * 1024 * 1024));
    }

    private static void writeFrame(OutputStream out, int first, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(first);
        if (payload.length < 126) {
            frame.write(payload.length);
        } else {
            frame.write(126);
            frame.write(payload.length >> 8);
            frame.write(payload.length & 0xff);
        }
        frame.write(payload);
        out.write(frame.toByteArray());
    }
}
