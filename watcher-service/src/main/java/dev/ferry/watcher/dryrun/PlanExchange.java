package dev.ferry.watcher.dryrun;

import dev.ferry.protocol.FrameCompression;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;
import dev.ferry.watcher.store.StoreAddress;
import dev.ferry.watcher.store.StoreConnection;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.WebSocketContainer;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One dry-run conversation with the store over its sync WebSocket: a hello with {@code dryRun}, the tree in
 * {@code plan} frames, the store's {@code planned} frames back. One connection, no retry: a dry run either gets
 * its answer or says why not.
 */
final class PlanExchange implements AutoCloseable {
    /** Entries and (roughly) bytes per plan frame, well under the store's max-batch-items and frame limits. */
    static final int FRAME_ENTRIES = 5000;
    static final int FRAME_BYTES = 4 * 1024 * 1024;
    private static final String SSL_CONTEXT = "io.undertow.websocket.SSL_CONTEXT";
    /** Queued after the last frame when the connection ends. */
    private static final Object CLOSED = new Object();

    /** The store refused, with its error code (or "unreachable", "unauthorized", "closed"). */
    static final class Refused extends Exception {
        final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** What the store answered: its welcome and the plan. */
    record Answer(Message.Welcome welcome, List<Message.PlannedItem> items) {
    }

    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final Duration timeout;
    private volatile Session session;
    private volatile String closedWhy;

    private PlanExchange(Duration timeout) {
        this.timeout = timeout;
    }

    /** Connects to the store's sync endpoint. */
    static PlanExchange open(StoreAddress store, Optional<String> token, SSLContext tls, Duration timeout) throws Refused {
        PlanExchange ex = new PlanExchange(timeout);
        ClientEndpointConfig.Builder builder = ClientEndpointConfig.Builder.create();
        token.filter(t -> !t.isBlank()).ifPresent(t -> builder.configurator(new ClientEndpointConfig.Configurator() {
            @Override
            public void beforeRequest(Map<String, List<String>> headers) {
                headers.put("Authorization", List.of("Bearer " + t));
            }
        }));
        ClientEndpointConfig config = builder.build();
        if (tls != null) {
            config.getUserProperties().put(SSL_CONTEXT, tls);
        }
        try {
            WebSocketContainer container = ContainerProvider.getWebSocketContainer();
            container.setDefaultMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
            container.connectToServer(ex.new Link(), config, store.syncUri());
        } catch (Exception | LinkageError e) {
            String why = StoreConnection.tlsProblem(e);
            String text = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
            if (why == null && (text.contains("401") || text.contains("Unauthorized"))) {
                throw new Refused("unauthorized", "store " + store + " "
                        + StoreConnection.refusal(token.filter(t -> !t.isBlank()).isPresent()));
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new Refused("unreachable", "store " + store + " unreachable ("
                    + (why != null ? why : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()) + ")");
        }
        return ex;
    }

    /** Says hello and waits for the welcome. */
    Message.Welcome hello(Message.Hello hello) throws Refused, IOException, InterruptedException {
        send(Wire.encode(hello), false);
        Message m = next();
        if (m instanceof Message.Welcome w) {
            return w;
        }
        throw unexpected(m);
    }

    /** Sends the tree in plan frames and gathers the store's planned frames. */
    List<Message.PlannedItem> plan(List<Message.PlanEntry> tree) throws Refused, IOException, InterruptedException {
        List<Message.PlanEntry> frame = new ArrayList<>();
        int bytes = 0;
        for (Message.PlanEntry e : tree) {
            int size = e.path().length() * 2 + 120;
            if (!frame.isEmpty() && (frame.size() == FRAME_ENTRIES || bytes + size > FRAME_BYTES)) {
                send(Wire.encode(new Message.Plan(frame, false)), true);
                frame = new ArrayList<>();
                bytes = 0;
            }
            frame.add(e);
            bytes += size;
        }
        send(Wire.encode(new Message.Plan(frame, true)), true);
        List<Message.PlannedItem> items = new ArrayList<>();
        while (true) {
            Message m = next();
            if (!(m instanceof Message.Planned p)) {
                throw unexpected(m);
            }
            items.addAll(p.items());
            if (p.last()) {
                return items;
            }
        }
    }

    private Refused unexpected(Message m) {
        if (m instanceof Message.Error e) {
            return new Refused(String.valueOf(e.code()), e.message());
        }
        return new Refused("bad-message", "the store answered " + m.getClass().getSimpleName() + " to a dry run");
    }

    private void send(String text, boolean mayCompress) throws IOException {
        Session s = session;
        if (s == null || !s.isOpen()) {
            throw new IOException("the store closed the connection" + (closedWhy == null ? "" : " (" + closedWhy + ")"));
        }
        if (mayCompress && text.length() >= FrameCompression.MIN_BYTES) {
            s.getBasicRemote().sendBinary(ByteBuffer.wrap(FrameCompression.deflate(text)));
        } else {
            s.getBasicRemote().sendText(text);
        }
    }

    private Message next() throws Refused, InterruptedException {
        Object frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new Refused("timeout", "the store did not answer within " + timeout.toSeconds()
                    + " s (ferry.watcher.once-timeout)");
        }
        if (frame == CLOSED) {
            throw new Refused("closed", "the store closed the connection (" + closedWhy + ")");
        }
        try {
            return Wire.decode((String) frame);
        } catch (ProtocolException e) {
            throw new Refused("bad-message", "the store sent a frame this watcher cannot read: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        Session s = session;
        try {
            if (s != null && s.isOpen()) {
                s.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, "dry run done"));
            }
        } catch (IOException | RuntimeException e) {
            // Closing a connection that is going anyway.
        }
    }

    private final class Link extends Endpoint {
        @Override
        public void onOpen(Session s, EndpointConfig config) {
            session = s;
            s.setMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
            s.setMaxBinaryMessageBufferSize(Wire.MAX_FRAME_BYTES);
            s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> frames.add(text));
            s.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) frame -> {
                try {
                    frames.add(FrameCompression.inflate(frame));
                } catch (ProtocolException e) {
                    frames.add(Wire.encode(new Message.Error("bad-message", "a compressed frame from the store: "
                            + e.getMessage())));
                }
            });
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            String phrase = reason.getReasonPhrase();
            closedWhy = reason.getCloseCode().getCode() + (phrase == null || phrase.isBlank() ? "" : " " + phrase);
            frames.add(CLOSED);
        }

        @Override
        public void onError(Session s, Throwable error) {
            closedWhy = String.valueOf(error.getMessage());
            frames.add(CLOSED);
        }
    }
}
