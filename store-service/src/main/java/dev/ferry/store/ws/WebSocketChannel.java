package dev.ferry.store.ws;

import dev.ferry.protocol.Message;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.store.sync.WatcherChannel;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A watcher's WebSocket as a {@link WatcherChannel}: frames made by {@link FrameCodec}, sent one at a time, each
 * within the send timeout ({@code ferry.store.send-timeout}); a failed or late send closes the connection.
 */
final class WebSocketChannel implements WatcherChannel {
    private static final Logger LOG = Logger.getLogger(WebSocketChannel.class);

    private final Session socket;
    private final long sendTimeoutMs;
    private final Object sendLock = new Object();

    WebSocketChannel(Session socket, Duration sendTimeout) {
        this.socket = socket;
        this.sendTimeoutMs = sendTimeout.toMillis();
    }

    @Override
    public String id() {
        return socket.getId();
    }

    @Override
    public boolean isOpen() {
        return socket.isOpen();
    }

    @Override
    public boolean send(Message message, boolean compress) {
        Frame frame = FrameCodec.encode(message, compress);
        synchronized (sendLock) {
            if (!socket.isOpen()) {
                return false;
            }
            try {
                if (frame.isBinary()) {
                    socket.getAsyncRemote().sendBinary(ByteBuffer.wrap(frame.binary())).get(sendTimeoutMs, TimeUnit.MILLISECONDS);
                } else {
                    socket.getAsyncRemote().sendText(frame.text()).get(sendTimeoutMs, TimeUnit.MILLISECONDS);
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close(CloseReason.CloseCodes.GOING_AWAY.getCode(), "interrupted");
                return false;
            } catch (Exception e) {
                LOG.warnf("Cannot send to watcher session %s (%s): closing it", id(), e);
                close(CloseReason.CloseCodes.GOING_AWAY.getCode(), "send failed");
                return false;
            }
        }
    }

    @Override
    public void close(int closeCode, String reason) {
        try {
            if (socket.isOpen()) {
                socket.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(closeCode), reason));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debugf("Closing session %s: %s", id(), e);
        }
    }
}
