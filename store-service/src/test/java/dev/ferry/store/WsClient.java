package dev.ferry.store;

import dev.ferry.protocol.FrameCompression;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** A test watcher on the sync WebSocket: sends frames, queues what the store answers. */
public final class WsClient implements AutoCloseable {
    private final BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private Session session;
    private volatile CloseReason closeReason;
    /** Compressed (protocol 2) frames received so far. */
    public final java.util.concurrent.atomic.AtomicInteger binaryFrames = new java.util.concurrent.atomic.AtomicInteger();

    private WsClient() {
    }

    /** Connects to {@code http} (an http:// URI of the sync endpoint), with a bearer token when not null. */
    public static WsClient connect(URI http, String token) throws Exception {
        return connect(http, token, Map.of());
    }

    /** Connects with {@code headers} added to the upgrade request (a browser's Origin, say). */
    public static WsClient connect(URI http, String token, Map<String, String> headers) throws Exception {
        WsClient c = new WsClient();
        URI ws = URI.create(http.toString().replaceFirst("^http", "ws"));
        Map<String, String> extra = headers;
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create().configurator(new ClientEndpointConfig.Configurator() {
            @Override
            public void beforeRequest(Map<String, List<String>> headers) {
                if (token != null) {
                    headers.put("Authorization", List.of("Bearer " + token));
                }
                extra.forEach((k, v) -> headers.put(k, List.of(v)));
            }
        }).build();
        c.session = ContainerProvider.getWebSocketContainer().connectToServer(new Endpoint() {
            @Override
            public void onOpen(Session s, EndpointConfig cfg) {
                s.setMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
                s.setMaxBinaryMessageBufferSize(Wire.MAX_FRAME_BYTES);
                s.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) frame -> {
                    c.binaryFrames.incrementAndGet();
                    try {
                        c.inbox.add(Wire.decode(FrameCompression.inflate(frame)));
                    } catch (ProtocolException e) {
                        throw new IllegalStateException("store sent a bad compressed frame", e);
                    }
                });
                s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                    try {
                        c.inbox.add(Wire.decode(text));
                    } catch (ProtocolException e) {
                        throw new IllegalStateException("store sent a bad frame: " + text, e);
                    }
                });
            }

            @Override
            public void onClose(Session s, CloseReason reason) {
                c.closeReason = reason;
                c.closed.countDown();
            }
        }, config, ws);
        return c;
    }

    public void send(Message m) throws Exception {
        sendRaw(Wire.encode(m));
    }

    /** Sends {@code m} as a compressed binary frame (protocol 2). */
    public void sendCompressed(Message m) throws Exception {
        session.getBasicRemote().sendBinary(java.nio.ByteBuffer.wrap(FrameCompression.deflate(Wire.encode(m))));
    }

    public void sendBinaryRaw(byte[] frame) throws Exception {
        session.getBasicRemote().sendBinary(java.nio.ByteBuffer.wrap(frame));
    }

    public void sendRaw(String text) throws Exception {
        session.getBasicRemote().sendText(text);
    }

    public <T extends Message> T next(Class<T> type) throws InterruptedException {
        Message m = inbox.poll(15, TimeUnit.SECONDS);
        if (m == null) {
            dumpThreads();
        }
        assertNotNull(m, "no " + type.getSimpleName() + " from the store within 15 s");
        return assertInstanceOf(type, m, "expected " + type.getSimpleName() + ", got " + m);
    }

    /** The next frame from the store, whatever its type. */
    public Message nextAny() throws InterruptedException {
        Message m = inbox.poll(15, TimeUnit.SECONDS);
        assertNotNull(m, "no frame from the store within 15 s");
        return m;
    }

    private static void dumpThreads() {
        StringBuilder sb = new StringBuilder("THREAD DUMP on timeout\n");
        Thread.getAllStackTraces().forEach((t, st) -> {
            sb.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
            for (StackTraceElement e : st) {
                sb.append("    at ").append(e).append('\n');
            }
        });
        System.out.println(sb);
    }

    /** The next frame from the store, or null after {@code millis}. */
    public Message poll(long millis) throws InterruptedException {
        return inbox.poll(millis, TimeUnit.MILLISECONDS);
    }

    public boolean isOpen() {
        return session.isOpen() && closed.getCount() > 0;
    }

    /** Why the store closed the connection, once it did ({@link #awaitClosed()}); else null. */
    public CloseReason closeReason() {
        return closeReason;
    }

    public boolean awaitClosed() throws InterruptedException {
        return closed.await(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (session.isOpen()) {
            session.close();
        }
    }
}
