package dev.ferry.watcher.dryrun;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.protocol.session.MessageDispatch;
import dev.ferry.protocol.session.WatcherMessages;
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

    /**
     * The dry run got no plan: the store refused with an error code ({@link #fromStore}), or the watcher could not
     * ask ({@code code} then says why: {@code unreachable}, {@code unauthorized}, {@code timeout}, {@code closed}).
     */
    static final class Refused extends Exception {
        final String code;
        final boolean fromStore;

        Refused(String code, String message, boolean fromStore) {
            super(message);
            this.code = code;
            this.fromStore = fromStore;
        }

        Refused(ErrorCode code, String message) {
            this(code.wire(), message, true);
        }

        /** The store's error code, or null (a failure of this side, or a code this build does not know). */
        ErrorCode errorCode() {
            return fromStore ? ErrorCode.fromWire(code) : null;
        }
    }

    /**
     * The store's answers to a dry run, each to its method: one welcome, then planned frames; an error or any
     * other message ends the exchange with {@link #refused}.
     */
    private static final class Replies implements WatcherMessages<PlanExchange> {
        Message.Welcome welcome;
        final List<Message.PlannedItem> items = new ArrayList<>();
        boolean last;
        Refused refused;

        @Override
        public void welcome(PlanExchange from, Message.Welcome w) {
            if (welcome != null) {
                unexpected(from, w);
                return;
            }
            welcome = w;
        }

        @Override
        public void planned(PlanExchange from, Message.Planned p) {
            if (welcome == null) {
                unexpected(from, p);
                return;
            }
            items.addAll(p.items());
            last = p.last();
        }

        @Override
        public void error(PlanExchange from, Message.Error e) {
            refused = new Refused(String.valueOf(e.code()), e.message(), true);
        }

        @Override
        public void need(PlanExchange from, Message.Need need) {
            unexpected(from, need);
        }

        @Override
        public void missing(PlanExchange from, Message.Missing missing) {
            unexpected(from, missing);
        }

        @Override
        public void ack(PlanExchange from, Message.Ack ack) {
            unexpected(from, ack);
        }

        @Override
        public void checked(PlanExchange from, Message.Checked checked) {
            unexpected(from, checked);
        }

        @Override
        public void unexpected(PlanExchange from, Message m) {
            refused = new Refused(ErrorCode.BAD_MESSAGE, "the store answered " + m.getClass().getSimpleName()
                    + " to a dry run");
        }
    }

    /** What the store answered: its welcome and the plan. */
    record Answer(Message.Welcome welcome, List<Message.PlannedItem> items) {
    }

    private final BlockingQueue<Object> frames = new LinkedBlockingQueue<>();
    private final Replies replies = new Replies();
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
                throw new Refused(ErrorCode.UNAUTHORIZED.wire(), "store " + store + " "
                        + StoreConnection.refusal(token.filter(t -> !t.isBlank()).isPresent()), false);
            }
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            throw new Refused("unreachable", "store " + store + " unreachable ("
                    + (why != null ? why : root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage()) + ")",
                    false);
        }
        return ex;
    }

    /** Says hello and waits for the welcome. */
    Message.Welcome hello(Message.Hello hello) throws Refused, IOException, InterruptedException {
        send(hello, false);
        receive();
        return replies.welcome;
    }

    /** Sends the tree in plan frames and gathers the store's planned frames. */
    List<Message.PlannedItem> plan(List<Message.PlanEntry> tree) throws Refused, IOException, InterruptedException {
        List<Message.PlanEntry> frame = new ArrayList<>();
        int bytes = 0;
        for (Message.PlanEntry e : tree) {
            int size = e.path().length() * 2 + 120;
            if (!frame.isEmpty() && (frame.size() == FRAME_ENTRIES || bytes + size > FRAME_BYTES)) {
                send(new Message.Plan(frame, false), true);
                frame = new ArrayList<>();
                bytes = 0;
            }
            frame.add(e);
            bytes += size;
        }
        send(new Message.Plan(frame, true), true);
        while (!replies.last) {
            receive();
        }
        return replies.items;
    }

    /** Takes the store's next message; a refusal, or a message out of place, ends the exchange. */
    private void receive() throws Refused, InterruptedException {
        MessageDispatch.toWatcher(this, next(), replies);
        if (replies.refused != null) {
            throw replies.refused;
        }
    }

    private void send(Message message, boolean mayCompress) throws IOException {
        Session s = session;
        if (s == null || !s.isOpen()) {
            throw new IOException("the store closed the connection" + (closedWhy == null ? "" : " (" + closedWhy + ")"));
        }
        Frame frame = FrameCodec.encode(message, mayCompress);
        if (frame.isBinary()) {
            s.getBasicRemote().sendBinary(ByteBuffer.wrap(frame.binary()));
        } else {
            s.getBasicRemote().sendText(frame.text());
        }
    }

    private Message next() throws Refused, InterruptedException {
        Object frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new Refused("timeout", "the store did not answer within " + timeout.toSeconds()
                    + " s (ferry.watcher.once-timeout)", false);
        }
        if (frame == CLOSED) {
            throw new Refused("closed", "the store closed the connection (" + closedWhy + ")", false);
        }
        try {
            return FrameCodec.decode((Frame) frame);
        } catch (ProtocolException e) {
            throw new Refused(ErrorCode.BAD_MESSAGE, "the store sent a frame this watcher cannot read: " + e.getMessage());
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
            s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> frames.add(Frame.text(text)));
            s.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) frame -> frames.add(Frame.binary(frame)));
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
