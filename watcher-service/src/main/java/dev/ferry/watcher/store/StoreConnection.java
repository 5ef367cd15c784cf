package dev.ferry.watcher.store;

import dev.ferry.protocol.Message;
import dev.ferry.protocol.Wire;
import dev.ferry.protocol.session.Frame;
import dev.ferry.protocol.session.FrameCodec;
import dev.ferry.watcher.control.SendGate;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.WebSocketContainer;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The WebSocket to the store's sync endpoint (Jakarta WebSocket client): connects, reconnects forever with
 * exponential backoff (200 ms doubling up to {@code retry-max-delay}), sends the bearer token on the upgrade,
 * pings to notice a dead peer, and reports every open, frame and close to its {@link StoreLink.Listener} (the sync engine).
 */
public final class StoreConnection implements StoreLink.ConnectionControl {
    private static final Logger LOG = Logger.getLogger(StoreConnection.class);
    private static final long FIRST_DELAY_MS = 200;
    private static final long PING_EVERY_MS = 20_000;
    private static final long DEAD_AFTER_MS = 75_000;

    /** A 401 status in the upgrade's failure message (Undertow's client reports the response code as text). */
    private static final Pattern UNAUTHORIZED = Pattern.compile("(?<![0-9])401(?![0-9])|Unauthorized");
    /** A 403 status in the upgrade's failure message: the token does not open the folder asked for (wrong-folder). */
    private static final Pattern FORBIDDEN = Pattern.compile("(?<![0-9])403(?![0-9])|Forbidden");

    /** How a close by policy (1008: the store refuses this watcher) starts in {@link #linkClosed}'s reason. */
    private static final String POLICY_CLOSE = CloseReason.CloseCodes.VIOLATED_POLICY.getCode() + " ";
    /** How long a watcher refused by a policy close waits before asking again (the engine's refusal wait). */
    private static final Duration POLICY_CLOSE_WAIT = Duration.ofMinutes(1);

    /** Where Undertow's WebSocket client looks for the TLS context of a wss:// connection. */
    private static final String SSL_CONTEXT = "io.undertow.websocket.SSL_CONTEXT";

    private final SSLContext tls;
    private final StoreAddress address;
    private final Optional<String> token;
    private final long maxDelayMs;
    private final StoreLink.Listener engine;
    private final ScheduledExecutorService scheduler;
    private volatile long delayMs = FIRST_DELAY_MS;
    /** No connection attempt before this System.nanoTime() ({@link #refused}). */
    private volatile long notBeforeNanos = System.nanoTime();
    private volatile boolean stopped;
    private volatile Link current;
    private WebSocketContainer container;
    private final Predicate<String> onRefused;
    /** The bandwidth limit every frame sent waits for. */
    private final SendGate gate;
    /** Paused (ferry-watcher pause): no connection is kept or made until {@link #resume()}. */
    private volatile boolean paused;
    /**
     * Each pause and resume starts a new generation: a reconnect scheduled, or a link opened, in an older one does
     * nothing, so a quick pause and resume never leaves two connect chains running.
     */
    private final AtomicLong generation = new AtomicLong();

    public StoreConnection(StoreAddress address, Optional<String> token, Duration retryMaxDelay, StoreLink.Listener engine,
                           ScheduledExecutorService scheduler) {
        this(address, token, retryMaxDelay, engine, scheduler, null);
    }

    /** @param tls the TLS context for a wss:// store ({@link StoreTls}); null for plain ws:// */
    public StoreConnection(StoreAddress address, Optional<String> token, Duration retryMaxDelay, StoreLink.Listener engine,
                           ScheduledExecutorService scheduler, SSLContext tls) {
        this(address, token, retryMaxDelay, engine, scheduler, tls, SendGate.OPEN, why -> false);
    }

    /**
     * @param engine    what every open, frame and close is reported to (the sync engine)
     * @param gate      frames are sent no faster than it allows
     * @param onRefused called (on the connect thread) each time the store refuses the token at the upgrade (401, or
     *                  403 for a folder the token does not open): an answer, not an outage, so {@code --once} ends at
     *                  once (it returns true: no retry) and the continuous watcher says so and retries at the
     *                  slowest pace
     */
    public StoreConnection(StoreAddress address, Optional<String> token, Duration retryMaxDelay, StoreLink.Listener engine,
                           ScheduledExecutorService scheduler, SSLContext tls, SendGate gate, Predicate<String> onRefused) {
        this.gate = gate;
        this.onRefused = onRefused;
        this.tls = tls;
        this.address = address;
        this.token = token.filter(t -> !t.isBlank());
        this.maxDelayMs = Math.max(FIRST_DELAY_MS, retryMaxDelay.toMillis());
        this.engine = engine;
        this.scheduler = scheduler;
    }

    /**
     * Stops sending: closes the connection and makes none until {@link #resume()} (the store then sees this watcher
     * as gone; nothing at all goes over the network meanwhile).
     */
    public void pause() {
        paused = true;
        generation.incrementAndGet();
        Link link = current;
        if (link != null) {
            link.close("watcher paused");
        }
    }

    /** Connects again at once; the session's hello and reconcile send whatever changed while paused. */
    public void resume() {
        paused = false;
        long g = generation.incrementAndGet();
        delayMs = FIRST_DELAY_MS;
        scheduler.execute(() -> connect(g));
    }

    public void start() {
        long g = generation.get();
        scheduler.execute(() -> connect(g));
        scheduler.scheduleWithFixedDelay(this::keepAlive, PING_EVERY_MS, PING_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    public void stop() {
        stopped = true;
        Link link = current;
        if (link != null) {
            link.close("watcher stopping");
        }
    }

    @Override
    public void healthy() {
        delayMs = FIRST_DELAY_MS;
    }

    @Override
    public void backOff() {
        delayMs = maxDelayMs;
    }

    @Override
    public void refused(Duration wait) {
        long until = System.nanoTime() + wait.toNanos();
        if (until - notBeforeNanos > 0) {
            notBeforeNanos = until;
        }
    }

    private void connect(long gen) {
        if (stopped || paused || gen != generation.get()) {
            return;
        }
        // The close that follows a refusal may schedule a reconnect before the refusal is handled: wait it out here.
        long wait = notBeforeNanos - System.nanoTime();
        if (wait > 0) {
            scheduler.schedule(() -> connect(gen), wait, TimeUnit.NANOSECONDS);
            return;
        }
        Link link = new Link(gen);
        try {
            if (container == null) {
                container = ContainerProvider.getWebSocketContainer();
                container.setDefaultMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
            }
            container.connectToServer(link, endpointConfig(), address.syncUri());
        } catch (Exception | LinkageError e) {
            if (link.claimClose()) {
                if (isUnauthorized(e)) {
                    refused(gen, refusal(token.isPresent()));
                } else if (isForbidden(e)) {
                    refused(gen, forbidden(address.folder()));
                } else {
                    retry("store " + address + " unreachable (" + reason(e) + ")", gen);
                }
            }
            return;
        }
        if (!link.isOpen()) {
            // A close seen before this point has already scheduled the reconnect: one per link, or the
            // reconnect chains would double on every round.
            if (link.claimClose()) {
                retry("store " + address + " closed the connection at once", gen);
            }
            return;
        }
        if (paused || gen != generation.get()) {
            // Paused while connecting: the gate refuses every frame anyway; do not keep the connection.
            link.close("watcher paused");
            return;
        }
        current = link;
        LOG.debugf("connected to %s", address.syncUri());
        engine.opened(link, this);
    }

    private void retry(String why, long gen) {
        if (stopped || paused || gen != generation.get()) {
            return;
        }
        long delay = delayMs;
        delayMs = Math.min(maxDelayMs, delay * 2);
        if (notBeforeNanos - System.nanoTime() > 0) {
            // The store refused this watcher (an error frame, then its close): the refusal is what was said, and the
            // next attempt waits for it; this close is no outage.
            LOG.debugf("%s after a refusal", why);
        } else {
            LOG.warnf("%s, retrying in %s", why, seconds(delay));
        }
        scheduler.schedule(() -> connect(gen), delay, TimeUnit.MILLISECONDS);
    }

    /**
     * The store answered 401 (wrong or missing token) or 403 (a folder the token does not open). Said as a refusal,
     * retried only at the slowest pace.
     */
    private void refused(long gen, String why) {
        if (onRefused.test(why)) {
            LOG.errorf("store %s %s", address, why);
            return;
        }
        if (stopped) {
            return;
        }
        delayMs = maxDelayMs;
        LOG.errorf("store %s %s, retrying in %s", address, why, seconds(maxDelayMs));
        scheduler.schedule(() -> connect(gen), maxDelayMs, TimeUnit.MILLISECONDS);
    }

    /** The sentence for a 401, for a watcher that sent a token or none. */
    public static String refusal(boolean sentToken) {
        return sentToken ? "refused: the store rejected the token (FERRY_TOKEN)"
                : "refused: the store requires a token; set FERRY_TOKEN to the store's token";
    }

    /** The sentence for a 403 at the upgrade: the token opens another folder than the one named (or none named). */
    public static String forbidden(Optional<String> folder) {
        return folder.map(f -> "refused (403 wrong-folder): the token (FERRY_TOKEN) does not open folder " + f
                        + "; use folder " + f + "'s own token, or name the folder this token opens with --folder NAME")
                .orElse("refused (403 wrong-folder): the token (FERRY_TOKEN) opens one folder only; name it with "
                        + "--folder NAME (FERRY_FOLDER)");
    }

    static boolean isUnauthorized(Throwable e) {
        return anyMessage(e, UNAUTHORIZED);
    }

    static boolean isForbidden(Throwable e) {
        return anyMessage(e, FORBIDDEN);
    }

    private static boolean anyMessage(Throwable e, Pattern pattern) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && pattern.matcher(t.getMessage()).find()) {
                return true;
            }
        }
        return false;
    }

    private void linkClosed(Link link, String why) {
        if (current == link) {
            current = null;
        }
        engine.closed(link, why);
        if (stopped) {
            return;
        }
        if (why.startsWith(POLICY_CLOSE)) {
            // The store refused this watcher (wrong source, no or unknown folder): its error frame says why and the
            // engine logs it and asks for the same wait. The close may be handled before that frame (decoding it
            // can take longer), so the wait starts here: no outage, no reconnect at once.
            delayMs = maxDelayMs;
            refused(POLICY_CLOSE_WAIT);
            LOG.debugf("store %s closed the connection (%s), asking again in %s", address, why,
                    seconds(POLICY_CLOSE_WAIT.toMillis()));
            scheduler.schedule(() -> connect(link.gen), maxDelayMs, TimeUnit.MILLISECONDS);
            return;
        }
        retry("connection to store " + address + " closed (" + why + ")", link.gen);
    }

    private void keepAlive() {
        Link link = current;
        if (link == null || !link.isOpen()) {
            return;
        }
        if (System.currentTimeMillis() - link.lastHeard > DEAD_AFTER_MS) {
            LOG.warnf("store %s silent for %d s: dropping the connection", address, DEAD_AFTER_MS / 1000);
            link.close("no answer to pings");
            return;
        }
        try {
            link.session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            LOG.debugf("ping failed: %s", e.getMessage());
        }
    }

    private ClientEndpointConfig endpointConfig() {
        ClientEndpointConfig.Builder builder = ClientEndpointConfig.Builder.create();
        token.ifPresent(t -> builder.configurator(new ClientEndpointConfig.Configurator() {
            @Override
            public void beforeRequest(Map<String, List<String>> headers) {
                headers.put("Authorization", List.of("Bearer " + t));
            }
        }));
        ClientEndpointConfig config = builder.build();
        if (tls != null) {
            config.getUserProperties().put(SSL_CONTEXT, tls);
        }
        return config;
    }

    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null || message.isBlank()) {
            message = root.getClass().getSimpleName();
        }
        if (isUnauthorized(e)) {
            return refusal(true);
        }
        String tlsProblem = tlsProblem(e);
        return tlsProblem != null ? tlsProblem : message;
    }

    /** A sentence for a TLS failure anywhere in {@code e}'s causes, or null when it is not one. */
    public static String tlsProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = String.valueOf(t.getMessage());
            if (t instanceof java.security.cert.CertificateException && m.contains("No ") && m.contains("match")
                    || m.contains("No subject alternative") || m.contains("No name matching")) {
                return "TLS: the store's certificate is not for this host name (" + m + ")";
            }
            if (t instanceof java.security.cert.CertPathValidatorException
                    || t.getClass().getName().endsWith("SunCertPathBuilderException") || m.contains("PKIX")
                    || m.contains("unable to find valid certification path")) {
                return "TLS: the store's certificate is not trusted; give its CA or certificate in "
                        + "FERRY_WATCHER_TLS_TRUST (ferry.watcher.tls-trust)";
            }
            if (t instanceof javax.net.ssl.SSLException && !(t.getCause() instanceof javax.net.ssl.SSLException)
                    && t.getCause() == null) {
                return "TLS handshake with the store failed: " + m;
            }
        }
        return null;
    }

    static String seconds(long millis) {
        return millis % 1000 == 0 ? (millis / 1000) + "s" : String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
    }

    /** One WebSocket session, seen by the engine as a {@link StoreLink}. */
    private final class Link extends Endpoint implements StoreLink {
        private final AtomicBoolean closedOnce = new AtomicBoolean();
        /** The {@link #generation} this link was opened in. */
        final long gen;
        volatile Session session;
        volatile long lastHeard = System.currentTimeMillis();
        volatile boolean compress;

        Link(long gen) {
            this.gen = gen;
        }

        @Override
        public void onOpen(Session s, EndpointConfig config) {
            this.session = s;
            s.setMaxTextMessageBufferSize(Wire.MAX_FRAME_BYTES);
            s.setMaxIdleTimeout(0);
            s.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                lastHeard = System.currentTimeMillis();
                engine.received(this, Frame.text(text));
            });
            s.setMaxBinaryMessageBufferSize(Wire.MAX_FRAME_BYTES);
            s.addMessageHandler(byte[].class, (MessageHandler.Whole<byte[]>) frame -> {
                lastHeard = System.currentTimeMillis();
                engine.received(this, Frame.binary(frame));
            });
            s.addMessageHandler(PongMessage.class, (MessageHandler.Whole<PongMessage>) pong -> lastHeard = System.currentTimeMillis());
        }

        @Override
        public void onClose(Session s, CloseReason reason) {
            String phrase = reason.getReasonPhrase();
            String why = reason.getCloseCode().getCode() + (phrase == null || phrase.isBlank() ? "" : " " + phrase);
            closed(why);
        }

        @Override
        public void onError(Session s, Throwable error) {
            LOG.debugf("store connection error: %s", reason(error));
            close(reason(error));
        }

        private void closed(String why) {
            if (session != null && claimClose()) {
                linkClosed(this, why);
            }
        }

        /** True for the one caller that reports this link's end (and so schedules the one reconnect). */
        boolean claimClose() {
            return closedOnce.compareAndSet(false, true);
        }

        @Override
        public synchronized void send(Message message) throws IOException {
            Session s = session;
            if (s == null || !s.isOpen()) {
                throw new IOException("connection closed");
            }
            Frame frame = FrameCodec.encode(message, compress);
            take(frame.length());
            if (frame.isBinary()) {
                s.getBasicRemote().sendBinary(ByteBuffer.wrap(frame.binary()));
            } else {
                s.getBasicRemote().sendText(frame.text());
            }
        }

        /** Waits for the bandwidth limit to let {@code bytes} go (the frame's payload; JSON is nearly all ASCII). */
        private void take(long bytes) throws IOException {
            try {
                gate.acquire(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the bandwidth limit", e);
            }
        }

        @Override
        public void compressFrames() {
            compress = true;
        }

        @Override
        public boolean isOpen() {
            Session s = session;
            return s != null && s.isOpen() && !closedOnce.get();
        }

        @Override
        public void close(String reason) {
            Session s = session;
            try {
                if (s != null && s.isOpen()) {
                    s.close(new CloseReason(CloseReason.CloseCodes.NORMAL_CLOSURE, truncate(reason)));
                }
            } catch (IOException | RuntimeException e) {
                LOG.debugf("closing the store connection: %s", e.getMessage());
            }
            closed(reason);
        }

        private String truncate(String reason) {
            return reason.length() > 100 ? reason.substring(0, 100) : reason;
        }
    }
}
