package dev.ferry.store.ws;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.Wire;
import dev.ferry.protocol.session.Frame;
import dev.ferry.store.config.StoreConfig;
import dev.ferry.store.folder.FolderRefusal;
import dev.ferry.store.folder.Folders;
import dev.ferry.store.sync.SyncService;
import dev.ferry.store.sync.SyncSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.inject.Singleton;
import jakarta.websocket.server.ServerEndpoint;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * The sync WebSocket: JSON text frames (or, protocol 2, compressed binary ones) in, handed to {@link SyncService}
 * as {@link Frame}s; out through each session's {@link WebSocketChannel}. Holds no state of its own: Undertow may
 * run {@code @OnOpen}, {@code @OnMessage} and {@code @OnClose} out of order on worker threads, so the
 * {@link SyncSession} hangs off the socket's user properties and is made by whichever call comes first.
 */
@ServerEndpoint(Endpoints.SYNC)
@Singleton
public class SyncEndpoint {
    private static final Logger LOG = Logger.getLogger(SyncEndpoint.class);
    private static final String SESSION = SyncSession.class.getName();

    /**
     * Largest frame accepted before the hello: a few hundred bytes, plus its ignore rules (protocol 3), up to
     * {@link dev.ferry.protocol.ignore.IgnoreSet#MAX_TEXT_BYTES} of text that JSON escapes to about twice as many
     * characters at most (newlines, quotes, backslashes; rules full of control characters are refused here).
     */
    public static final int PRE_HELLO_FRAME_BYTES = 64 * 1024 + 2 * dev.ferry.protocol.ignore.IgnoreSet.MAX_TEXT_BYTES;
    private static final String COUNTED = SyncEndpoint.class.getName() + ".counted";
    private static final String CLOSED = SyncEndpoint.class.getName() + ".closed";

    private static final String SERVICE = SyncService.class.getName();

    private final Folders folders;
    private final StoreConfig config;
    /** Open WebSocket connections, greeted or not ({@code ferry.store.max-connections}). */
    private final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    public SyncEndpoint(Folders folders, StoreConfig config) {
        this.folders = folders;
        this.config = config;
    }

    @OnOpen
    public void open(Session socket) {
        socket.setMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
        socket.setMaxBinaryMessageBufferSize(Wire.MAX_FRAME_BYTES);
        SyncSession session = session(socket);
        synchronized (socket) {
            if (socket.getUserProperties().containsKey(CLOSED)) {
                return;
            }
            socket.getUserProperties().put(COUNTED, Boolean.TRUE);
        }
        int open = connections.incrementAndGet();
        if (open > config.store().maxConnections()) {
            LOG.warnf("Refused a WebSocket connection: %d are open, ferry.store.max-connections is %d", open - 1,
                    config.store().maxConnections());
            session.close(CloseReason.CloseCodes.TRY_AGAIN_LATER.getCode(), "too many connections (ferry.store.max-connections="
                    + config.store().maxConnections() + ")");
        }
    }

    /**
     * The sync service of the folder the upgrade named ({@code ?folder=NAME}), found once per socket; null when it
     * names none on a store of many folders or an unknown one: the first frame is then answered with an {@code error}
     * saying why and the socket closed with the code and reason. (Not from {@code @OnOpen}: a close sent there
     * sometimes reaches the client as 1001 without its reason, see SyncLimitsTest.)
     */
    private SyncService sync(Session socket, SyncSession session) {
        synchronized (socket) {
            Object known = socket.getUserProperties().get(SERVICE);
            if (known instanceof SyncService s) {
                return s;
            }
            if (known != null) {
                return null;
            }
            List<String> named = socket.getRequestParameterMap().getOrDefault(Endpoints.FOLDER_PARAM, List.of());
            try {
                if (named.size() > 1) {
                    throw new FolderRefusal(ErrorCode.NO_SUCH_FOLDER, "name one folder, not " + named.size());
                }
                SyncService s = folders.resolve(named.isEmpty() ? null : named.get(0)).sync();
                socket.getUserProperties().put(SERVICE, s);
                return s;
            } catch (FolderRefusal e) {
                socket.getUserProperties().put(SERVICE, e);
                LOG.warnf("Refused a WebSocket connection: %s", e.getMessage());
                session.send(new Message.Error(e.code(), e.getMessage()));
                session.close(e.code().closeCode(), closeReason(e));
                return null;
            }
        }
    }

    /** A close reason has at most 123 bytes: the code and as much of the message as fits. */
    private static String closeReason(FolderRefusal e) {
        String text = e.code().wire() + ": " + e.getMessage();
        byte[] utf8 = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return utf8.length <= 123 ? text : new String(utf8, 0, 120, java.nio.charset.StandardCharsets.US_ASCII) + "...";
    }

    /** WebSocket connections open now. */
    int connections() {
        return connections.get();
    }

    @OnMessage(maxMessageSize = Wire.MAX_FRAME_BYTES)
    public void message(String frame, Session socket) {
        SyncSession session = session(socket);
        // Until hello, a frame is a small text frame: a bigger one is refused before it is decoded. (Undertow has
        // buffered it already, up to Wire.MAX_FRAME_BYTES: ferry.store.max-connections bounds how many at once.)
        if (!session.greeted() && frame.length() > PRE_HELLO_FRAME_BYTES) {
            session.fail(ErrorCode.TOO_LARGE, "the first frame (hello) has at most " + PRE_HELLO_FRAME_BYTES
                    + " characters");
            return;
        }
        receive(socket, session, Frame.text(frame));
    }

    /** Protocol 2: a compressed frame ({@link dev.ferry.protocol.FrameCompression}). */
    @OnMessage(maxMessageSize = Wire.MAX_FRAME_BYTES)
    public void binary(byte[] frame, Session socket) {
        SyncSession session = session(socket);
        if (!session.greeted()) {
            session.fail(ErrorCode.BAD_MESSAGE, "compressed frames only after hello: the hello goes as a text frame");
            return;
        }
        receive(socket, session, Frame.binary(frame));
    }

    private void receive(Session socket, SyncSession session, Frame frame) {
        SyncService sync = sync(socket, session);
        if (sync == null) {
            return;
        }
        try {
            sync.received(session, frame);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Frame from %s failed", session.describe());
            session.send(new Message.Error(ErrorCode.INTERNAL, dev.ferry.protocol.RelativePaths.printable(String.valueOf(e))));
        }
    }

    @OnClose
    public void close(Session socket, CloseReason reason) {
        SyncSession session = session(socket);
        boolean counted;
        synchronized (socket) {
            socket.getUserProperties().put(CLOSED, Boolean.TRUE);
            counted = socket.getUserProperties().remove(COUNTED) != null;
        }
        if (counted) {
            connections.decrementAndGet();
        }
        LOG.debugf("WebSocket %s closed: %s", session.id(), reason);
        Object known;
        synchronized (socket) {
            known = socket.getUserProperties().get(SERVICE);
        }
        if (known instanceof SyncService sync) {
            sync.closed(session);
        }
    }

    @OnError
    public void error(Session socket, Throwable t) {
        LOG.debugf("WebSocket %s error: %s", socket.getId(), t);
    }

    private SyncSession session(Session socket) {
        synchronized (socket) {
            return (SyncSession) socket.getUserProperties().computeIfAbsent(SESSION,
                    k -> new SyncSession(new WebSocketChannel(socket, config.store().sendTimeout())));
        }
    }
}
