package dev.ferry.watcher.upload;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkCodec;
import dev.ferry.protocol.ChunkCompressor;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.control.SendGate;
import dev.ferry.watcher.scan.ChunkChecksums;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.store.StoreAddress;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Uploads the chunks the store reports missing: each is read from its source file at its offset (positional
 * read), checked (the CRC-32C recorded when it was hashed, {@link ChunkChecksums}, or else SHA-256; a mismatch means
 * the file changed: the path is marked dirty and the chunk skipped), and packed
 * into {@link ChunkBatchFormat} bodies of at most {@code upload-batch-bytes}, POSTed to /api/v1/chunks/batch by
 * {@code upload-concurrency} workers, so many small files and one huge file both keep several requests in flight.
 * Failed requests are retried with backoff until they succeed or the session ends. A body the store refuses because
 * a record's bytes do not hash to its name (a file changed and its chunk kept its CRC: about one change in 4
 * billion) is not lost: its chunks are read again, each checked with SHA-256, and sent again.
 * When the store's welcome says it decodes zstd and {@code ferry.watcher.compress} is {@code auto}, bodies are
 * coded records ({@link Endpoints#CHUNK_BATCH_CODED_TYPE}) and each chunk goes compressed when
 * {@link ChunkCompressor} finds that it pays; otherwise plain records, as to stores before protocol 3.
 */
public final class ChunkUploader implements ChunkUploads, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ChunkUploader.class);
    private static final ChunkTask STOP = new ChunkTask(null, 0, new ArrayList<>());
    private static final int MAX_MOVES = 4096;

    private final StoreAddress store;
    private final Optional<String> token;
    private final SourceScanner scanner;
    private final UploadProgress status;
    private final Consumer<String> pathChanged;
    private final int batchBytes;
    private final long maxDelayMs;
    private final HttpClient http;
    private final ChunkChecksums checksums;
    private final UploadCompression compression;
    /** The current session's store decodes zstd records (its welcome said so). */
    private volatile boolean storeDecodesZstd;
    private final BlockingQueue<ChunkTask> queue = new LinkedBlockingQueue<>();
    private final Map<ChunkHash, ChunkTask> queued = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final List<Thread> workers = new ArrayList<>();
    /** Recent source moves, oldest first; also the lock that orders {@link #upload} against {@link #moved}. */
    private final ArrayDeque<Move> moves = new ArrayDeque<>();
    /** Parked tasks by a path that could not be opened, to be read again when the file is seen there again. */
    private final Map<String, List<ChunkTask>> parkedAt = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** The bandwidth limit and pause switch every upload body goes through. */
    private final SendGate gate;
    /** The last upload problem logged at warning level; repeats of it go to debug until an upload works again. */
    private volatile String lastProblem;

    /** A move sent after batch {@code afterBatch}. */
    private record Move(String from, String to, long afterBatch) {
    }

    /** One chunk to upload and the places it can be read from. */
    static final class ChunkTask {
        final ChunkHash hash;
        final long epoch;
        final List<ChunkLocation> locations;
        /** Locations the last read tried; parked: none held the chunk, and it waits for a new one. */
        int tried;
        boolean parked;
        /** The store refused this chunk's bytes once: read it back with SHA-256, never with the CRC alone. */
        volatile boolean strong;
        /** Times this task was taken out of the parking because a file it lies in was found there again. */
        int reopened;

        ChunkTask(ChunkHash hash, long epoch, List<ChunkLocation> locations) {
            this.hash = hash;
            this.epoch = epoch;
            this.locations = locations;
        }

        int length() {
            return locations.get(0).length();
        }
    }

    public ChunkUploader(StoreAddress store, Optional<String> token, SourceScanner scanner, UploadProgress status,
                         Consumer<String> pathChanged, int concurrency, int batchBytes, Duration retryMaxDelay) {
        this(store, token, scanner, status, pathChanged, concurrency, batchBytes, retryMaxDelay, null,
                ChunkChecksums.NONE);
    }

    /** @param tls the TLS context for an https:// store ({@link dev.ferry.watcher.store.StoreTls}), null for the JDK's */
    public ChunkUploader(StoreAddress store, Optional<String> token, SourceScanner scanner, UploadProgress status,
                         Consumer<String> pathChanged, int concurrency, int batchBytes, Duration retryMaxDelay,
                         javax.net.ssl.SSLContext tls) {
        this(store, token, scanner, status, pathChanged, concurrency, batchBytes, retryMaxDelay, tls,
                ChunkChecksums.NONE);
    }

    /** With the CRCs the hasher recorded ({@code checksums}), so chunks read back need no second SHA-256. */
    public ChunkUploader(StoreAddress store, Optional<String> token, SourceScanner scanner, UploadProgress status,
                         Consumer<String> pathChanged, int concurrency, int batchBytes, Duration retryMaxDelay,
                         javax.net.ssl.SSLContext tls, ChunkChecksums checksums) {
        this(store, token, scanner, status, pathChanged, concurrency, batchBytes, retryMaxDelay, tls, checksums,
                UploadCompression.AUTO);
    }

    /** With the setting {@code ferry.watcher.compress}. */
    public ChunkUploader(StoreAddress store, Optional<String> token, SourceScanner scanner, UploadProgress status,
                         Consumer<String> pathChanged, int concurrency, int batchBytes, Duration retryMaxDelay,
                         javax.net.ssl.SSLContext tls, ChunkChecksums checksums, UploadCompression compression) {
        this(store, token, scanner, status, pathChanged, concurrency, batchBytes, retryMaxDelay, tls, checksums,
                compression, SendGate.OPEN);
    }

    /**
     * @param pathChanged where a file found changed since it was hashed goes, to be looked at again (the watch stage)
     * @param gate        upload bodies go no faster than it allows (the bytes on the wire), and fail while it is paused
     */
    public ChunkUploader(StoreAddress store, Optional<String> token, SourceScanner scanner, UploadProgress status,
                         Consumer<String> pathChanged, int concurrency, int batchBytes, Duration retryMaxDelay,
                         javax.net.ssl.SSLContext tls, ChunkChecksums checksums, UploadCompression compression,
                         SendGate gate) {
        this.gate = gate;
        this.checksums = checksums;
        this.compression = compression;
        this.store = store;
        this.token = token.filter(t -> !t.isBlank());
        this.scanner = scanner;
        this.status = status;
        this.pathChanged = pathChanged;
        this.batchBytes = batchBytes;
        this.maxDelayMs = Math.max(200, retryMaxDelay.toMillis());
        HttpClient.Builder client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            client.sslContext(tls);
        }
        this.http = client.build();
        for (int i = 0; i < Math.max(1, concurrency); i++) {
            Thread t = new Thread(this::work, "ferry-upload-" + i);
            t.setDaemon(true);
            workers.add(t);
        }
    }

    public void start() {
        workers.forEach(Thread::start);
    }

    @Override
    public void upload(BatchRecord batch, List<ChunkHash> missing) {
        synchronized (moves) {
            queue(batch, missing);
        }
    }

    private void queue(BatchRecord batch, List<ChunkHash> missing) {
        Map<ChunkHash, List<ChunkLocation>> where = locate(batch.items(), missing);
        // The store rebased this batch's pending files through the moves sent after it: their chunks must
        // follow, or a file under a renamed directory waits for them forever. Extra places are harmless: every
        // read is hash-checked.
        for (Move mv : moves) {
            if (mv.afterBatch() + 1 >= batch.number()) {
                where.values().forEach(locations -> follow(locations, mv));
            }
        }
        long current = epoch.get();
        int unknown = 0;
        for (ChunkHash hash : missing) {
            List<ChunkLocation> locations = where.get(hash);
            if (locations == null) {
                unknown++;
                continue;
            }
            ChunkTask fresh = new ChunkTask(hash, current, new ArrayList<>(locations));
            ChunkTask existing = queued.putIfAbsent(hash, fresh);
            if (existing == null) {
                queue.add(fresh);
            } else {
                synchronized (existing.locations) {
                    existing.locations.addAll(locations);
                }
                unpark(existing);
            }
        }
        if (unknown > 0) {
            LOG.warnf("the store asked for %d chunks that batch %d does not contain", unknown, batch.number());
        }
    }

    @Override
    public void moved(String from, String to, long afterBatch) {
        synchronized (moves) {
            if (moves.size() == MAX_MOVES) {
                moves.removeFirst();
            }
            Move mv = new Move(from, to, afterBatch);
            moves.addLast(mv);
            for (ChunkTask t : queued.values()) {
                synchronized (t.locations) {
                    follow(t.locations, mv);
                }
                unpark(t);
            }
        }
    }

    /**
     * No location held the chunk when {@code task} was read. Dropping it would leave the store waiting for the
     * chunk for good when the file merely moved (its move may be seen a moment later), so it stays known and is
     * read again once it gains a location. Called with the lock of {@link #moves}.
     */
    private void park(ChunkTask task, List<String> unopened) {
        task.parked = true;
        if (task.reopened < MAX_REOPENS) {
            for (String path : unopened) {
                parkedAt.computeIfAbsent(path, p -> new ArrayList<>(1)).add(task);
            }
        }
        unpark(task);
    }

    /** Reads of a task again after its file was seen again, at most: a file that exists but never opens stays parked. */
    private static final int MAX_REOPENS = 3;

    /**
     * A flush found {@code path} there, unchanged since it was hashed: the tasks parked because it could not be
     * opened (it was away for a while, e.g. its folder was moved out and back) are read again at once, instead of
     * leaving the store waiting until the stall watchdog gives up on the session.
     */
    @Override
    public void readable(String path) {
        if (parkedAt.isEmpty()) {
            return;
        }
        synchronized (moves) {
            List<ChunkTask> tasks = parkedAt.remove(path);
            if (tasks == null) {
                return;
            }
            for (ChunkTask task : tasks) {
                synchronized (task.locations) {
                    if (task.parked && task.epoch == epoch.get()) {
                        task.parked = false;
                        task.reopened++;
                        queue.add(task);
                    }
                }
            }
        }
    }

    private void unpark(ChunkTask task) {
        synchronized (task.locations) {
            if (task.parked && task.locations.size() > task.tried) {
                task.parked = false;
                queue.add(task);
            }
        }
    }

    /** Adds, for each location at or below the move's source, the same place below its destination. */
    private static void follow(List<ChunkLocation> locations, Move mv) {
        for (int i = 0, n = locations.size(); i < n; i++) {
            ChunkLocation loc = locations.get(i);
            if (RelativePaths.isUnder(loc.path(), mv.from())) {
                ChunkLocation moved = new ChunkLocation(RelativePaths.rebase(loc.path(), mv.from(), mv.to()),
                        loc.offset(), loc.length());
                if (!locations.contains(moved)) {
                    locations.add(moved);
                }
            }
        }
    }

    /** For each wanted hash, where it lies in the batch's files (offsets from the manifests' chunk order). */
    static Map<ChunkHash, List<ChunkLocation>> locate(List<Change> items, List<ChunkHash> wanted) {
        Set<ChunkHash> want = new HashSet<>(wanted);
        Map<ChunkHash, List<ChunkLocation>> where = new HashMap<>();
        for (Change item : items) {
            Manifest m = item instanceof Change.Upsert ? ((Change.Upsert) item).entry()
                    : item instanceof Change.Move ? ((Change.Move) item).entry() : null;
            if (m == null || m.type() != EntryType.FILE) {
                continue;
            }
            long offset = 0;
            for (ChunkRef c : m.chunks()) {
                if (want.contains(c.hash())) {
                    List<ChunkLocation> list = where.computeIfAbsent(c.hash(), h -> new ArrayList<>(1));
                    if (list.size() < 4) {
                        list.add(new ChunkLocation(m.path(), offset, c.length()));
                    }
                }
                offset += c.length();
            }
        }
        return where;
    }

    @Override
    public void welcomed(Message.Welcome welcome) {
        storeDecodesZstd = welcome.decodes(ChunkCodec.ZSTD);
    }

    @Override
    public void cancelAll() {
        epoch.incrementAndGet();
        queue.clear();
        queued.clear();
        parkedAt.clear();
        synchronized (moves) {
            moves.clear();
        }
    }

    /** Chunks queued for upload and not acknowledged by the store yet. */
    public long queuedChunks() {
        return queued.size();
    }

    /** The bytes of {@link #queuedChunks()}. */
    public long queuedBytes() {
        long bytes = 0;
        for (ChunkTask t : queued.values()) {
            synchronized (t.locations) {
                bytes += t.length();
            }
        }
        return bytes;
    }

    /** True when nothing is queued. */
    public boolean idle() {
        return queued.isEmpty();
    }

    private void work() {
        byte[] body = new byte[batchBytes];
        ChunkTask carry = null;
        List<ChunkTask> included = new ArrayList<>();
        ChunkReader reader = new ChunkReader();
        ChunkCompressor compressor = new ChunkCompressor();
        while (!closed) {
            ChunkTask task;
            try {
                task = carry != null ? carry : queue.take();
            } catch (InterruptedException e) {
                return;
            }
            carry = null;
            if (task == STOP) {
                return;
            }
            int length = 0;
            int chunks = 0;
            long raw = 0;
            included.clear();
            boolean coded = compression == UploadCompression.AUTO && storeDecodesZstd;
            int header = coded ? ChunkBatchFormat.CODED_HEADER : ChunkBatchFormat.HEADER;
            while (task != null) {
                if (task != STOP && task.epoch == epoch.get()) {
                    int need = header + task.length();
                    if (length > 0 && length + need > body.length) {
                        carry = task;
                        break;
                    }
                    if (need > body.length) {
                        queued.remove(task.hash, task);
                    } else if (reader.read(task, body, length + header)) {
                        int wire = task.length();
                        if (coded) {
                            int packed = compressor.compressInPlace(body, length + header, wire);
                            if (packed >= 0) {
                                wire = packed;
                            }
                            ChunkBatchFormat.writeCodedHeader(body, length, task.hash,
                                    packed < 0 ? ChunkCodec.NONE : ChunkCodec.ZSTD, task.length(), wire);
                        } else {
                            writeHeader(task.hash, task.length(), body, length);
                        }
                        length += header + wire;
                        raw += task.length();
                        chunks++;
                        included.add(task);
                    } else {
                        synchronized (moves) {
                            park(task, reader.unopened());
                        }
                        reader.lookAgain();
                    }
                } else if (task == STOP) {
                    carry = STOP;
                    break;
                }
                task = queue.poll();
            }
            reader.close();
            if (chunks > 0) {
                int sent = post(body, length, chunks, included.get(0).epoch, coded);
                if (sent == POSTED) {
                    status.uploaded(chunks, raw, length);
                }
                boolean again = sent == MISMATCH && included.stream().noneMatch(t -> t.strong);
                if (sent == MISMATCH && !again) {
                    LOG.error("the store refused an upload whose chunks were checked with SHA-256 here: dropped");
                }
                for (ChunkTask t : included) {
                    if (again) {
                        t.strong = true;
                        queue.add(t);
                    } else {
                        queued.remove(t.hash, t);
                    }
                }
            }
        }
    }

    private static void writeHeader(ChunkHash hash, int len, byte[] buf, int at) {
        hash.copyTo(buf, at);
        buf[at + 32] = (byte) (len >>> 24);
        buf[at + 33] = (byte) (len >>> 16);
        buf[at + 34] = (byte) (len >>> 8);
        buf[at + 35] = (byte) len;
    }

    /** {@link #post} outcomes: every record stored; given up (refused, session over); a record hash-mismatched. */
    private static final int POSTED = 0;
    private static final int GAVE_UP = 1;
    private static final int MISMATCH = 2;

    /**
     * POSTs one body, retrying with backoff while its session lasts: {@link #POSTED}, {@link #GAVE_UP}, or
     * {@link #MISMATCH} when the store refused a record whose bytes do not hash to its name.
     */
    private int post(byte[] body, int length, int chunks, long forEpoch, boolean coded) {
        long delay = 200;
        while (!closed && epoch.get() == forEpoch) {
            HttpRequest.Builder request = HttpRequest.newBuilder(store.chunkBatchUri())
                    .timeout(Duration.ofMinutes(5))
                    .header("Content-Type", coded ? Endpoints.CHUNK_BATCH_CODED_TYPE : Endpoints.CHUNK_BATCH_TYPE)
                    .POST(gate.body(body, 0, length));
            token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
            String problem;
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                int code = response.statusCode();
                if (code == 200) {
                    if (lastProblem != null) {
                        lastProblem = null;
                        LOG.info("chunk uploads to the store work again");
                    }
                    return POSTED;
                }
                if (code == 400 && response.body().contains("\"hash-mismatch\"")) {
                    LOG.debugf("the store refused an upload: a source file changed (%s)", response.body());
                    return MISMATCH;
                }
                if (code == 401) {
                    problem = "chunk upload " + dev.ferry.watcher.store.StoreConnection.refusal(token.isPresent());
                } else if (code >= 400 && code < 500) {
                    String why = "upload of " + chunks + " chunks refused with " + code + ": " + response.body();
                    LOG.error(why);
                    status.error(why);
                    return GAVE_UP;
                } else {
                    problem = "upload failed with " + code + ": " + response.body();
                }
            } catch (IOException e) {
                String tls = dev.ferry.watcher.store.StoreConnection.tlsProblem(e);
                problem = "upload to " + store + " failed (" + (tls != null ? tls : e.getMessage()) + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return GAVE_UP;
            }
            if (!problem.equals(lastProblem)) {
                lastProblem = problem;
                LOG.warnf("%s, retrying with backoff (up to %d ms) until it works; repeats are logged at debug level",
                        problem, maxDelayMs);
            } else {
                LOG.debugf("%s, retrying in %d ms", problem, delay);
            }
            status.error(problem);
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return GAVE_UP;
            }
            delay = Math.min(maxDelayMs, delay * 2);
        }
        return GAVE_UP;
    }

    @Override
    public void close() {
        closed = true;
        cancelAll();
        for (int i = 0; i < workers.size(); i++) {
            queue.add(STOP);
        }
        for (Thread t : workers) {
            t.interrupt();
        }
    }

    /** Reads chunks with positional reads, keeping the last file open for the next chunk of the same file. */
    private final class ChunkReader {
        private String openPath;
        private SeekableByteChannel channel;
        /** The locations of the last failed {@link #read} whose file could not be opened or was too short. */
        private final List<String> unopened = new ArrayList<>();
        /** Every location of the last failed {@link #read}. */
        private final List<String> failed = new ArrayList<>();

        /** Reads and verifies {@code task} into {@code buf} at {@code at}; false when no location still holds it. */
        boolean read(ChunkTask task, byte[] buf, int at) {
            List<ChunkLocation> candidates;
            synchronized (task.locations) {
                candidates = new ArrayList<>(task.locations);
                task.tried = candidates.size();
            }
            unopened.clear();
            failed.clear();
            Integer crc = task.strong ? null : checksums.of(task.hash);
            for (ChunkLocation loc : candidates) {
                boolean read = readAt(loc, buf, at);
                if (read && (crc != null ? ChunkChecksums.crc(buf, at, loc.length()) == crc
                        : ChunkHash.compute(buf, at, loc.length()).equals(task.hash))) {
                    return true;
                }
                if (!read) {
                    unopened.add(loc.path());
                }
                failed.add(loc.path());
            }
            return false;
        }

        /** Has the flush look again at the files of the last failed read (after the task is parked, so a flush
         * that finds one of them unchanged finds the task to read again). */
        void lookAgain() {
            for (String path : failed) {
                LOG.debugf("%s changed since it was hashed: looking at it again", RelativePaths.printable(path));
                pathChanged.accept(path);
            }
            failed.clear();
        }

        List<String> unopened() {
            return unopened;
        }

        private boolean readAt(ChunkLocation loc, byte[] buf, int at) {
            try {
                if (!loc.path().equals(openPath)) {
                    close();
                    // Through the folder handles from the source root: a folder swapped for a link is not followed.
                    channel = scanner.open(loc.path(), -1);
                    openPath = loc.path();
                }
                ByteBuffer dst = ByteBuffer.wrap(buf, at, loc.length());
                long pos = loc.offset();
                while (dst.hasRemaining()) {
                    int n = read(dst, pos);
                    if (n < 0) {
                        return false;
                    }
                    pos += n;
                }
                return true;
            } catch (IOException e) {
                close();
                return false;
            }
        }

        private int read(ByteBuffer dst, long pos) throws IOException {
            if (channel instanceof FileChannel fc) {
                return fc.read(dst, pos);
            }
            channel.position(pos);
            return channel.read(dst);
        }

        void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException e) {
                    LOG.debug("closing a source file failed", e);
                }
            }
            channel = null;
            openPath = null;
        }
    }
}
