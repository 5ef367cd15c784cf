package dev.ferry.watcher.upload;

import com.sun.net.httpserver.HttpServer;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.chunker.FastCdc;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkCodec;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.watcher.scan.ChunkChecksums;
import dev.ferry.watcher.scan.FileHasher;
import dev.ferry.watcher.scan.HashResult;
import dev.ferry.watcher.scan.SourceScanner;
import dev.ferry.watcher.store.StoreAddress;
import dev.ferry.watcher.sync.SyncStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Uploads against a tiny HTTP server that parses the batch format like the store does. */
class ChunkUploaderTest {

    @TempDir
    Path source;

    private HttpServer server;
    private final Set<ChunkHash> stored = ConcurrentHashMap.newKeySet();
    private final List<Integer> bodySizes = new CopyOnWriteArrayList<>();
    private final List<String> auth = new CopyOnWriteArrayList<>();
    private final AtomicInteger failNext = new AtomicInteger();
    private final AtomicInteger mismatchNext = new AtomicInteger();
    private final List<Integer> refusedBodies = new CopyOnWriteArrayList<>();
    /** The chunk of every record in a refused body, once per time it was sent. */
    private final List<ChunkHash> refusedRecords = new CopyOnWriteArrayList<>();
    /** The CRCs the hasher records and the uploader checks read-backs with (NONE: SHA-256 only). */
    private ChunkChecksums checksums = new ChunkChecksums();
    private ChunkUploader uploader;
    private final List<String> dirty = new CopyOnWriteArrayList<>();
    private final SyncStatus status = new SyncStatus("s", "t");
    /** The Content-Type of every accepted body, and the codec of every record in them. */
    private final List<String> types = new CopyOnWriteArrayList<>();
    private final Map<ChunkHash, ChunkCodec> codecs = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(Endpoints.CHUNK_BATCH, exchange -> {
            auth.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (failNext.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return;
            }
            if (mismatchNext.getAndDecrement() > 0) {
                // As the store answers a record whose bytes do not hash to its name (the first one here).
                refusedBodies.add(body.length);
                refusedRecords.addAll(records(body));
                byte[] reply = "{\"error\":\"hash-mismatch\",\"message\":\"chunk 0: bytes hash to another value\",\"stored\":0}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(400, reply.length);
                exchange.getResponseBody().write(reply);
                exchange.close();
                return;
            }
            bodySizes.add(body.length);
            String type = exchange.getRequestHeaders().getFirst("Content-Type");
            types.add(type);
            ChunkBatchFormat.Reader reader = new ChunkBatchFormat.Reader(new java.io.ByteArrayInputStream(body), 1 << 20,
                    Endpoints.CHUNK_BATCH_CODED_TYPE.equals(type));
            int n = 0;
            try {
                while (reader.next()) {
                    assertEquals(reader.hash(), ChunkHash.compute(reader.buffer(), 0, reader.length()));
                    codecs.put(reader.hash(), reader.codec());
                    stored.add(reader.hash());
                    n++;
                }
            } catch (Exception e) {
                throw new IOException(e);
            }
            byte[] reply = ("{\"stored\":" + n + ",\"present\":0}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, reply.length);
            exchange.getResponseBody().write(reply);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        if (uploader != null) {
            uploader.close();
        }
    }

    private ChunkUploader uploader(int batchBytes) {
        return uploader(batchBytes, UploadCompression.AUTO);
    }

    private ChunkUploader uploader(int batchBytes, UploadCompression compression) {
        StoreAddress address = StoreAddress.parse("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        uploader = new ChunkUploader(address, Optional.of("s3cret"), new SourceScanner(source), status, dirty::add, 3,
                batchBytes, Duration.ofMillis(400), null, checksums, compression);
        uploader.start();
        return uploader;
    }

    /** A text file of {@code size} bytes: numbered lines of words, as logs and sources are. */
    private Manifest hashedText(String name, int size) throws IOException {
        StringBuilder text = new StringBuilder(size + 100);
        Random rnd = new Random(size);
        String[] words = {"chunk", "store", "watcher", "mirror", "upload", "the", "of", "and", "file", "folder"};
        for (int line = 0; text.length() < size; line++) {
            text.append(line).append(':');
            for (int w = 0; w < 8; w++) {
                text.append(' ').append(words[rnd.nextInt(words.length)]);
            }
            text.append('\n');
        }
        Files.writeString(source.resolve(name), text.substring(0, size));
        SourceScanner scanner = new SourceScanner(source);
        return ((HashResult.Hashed) new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner, checksums)
                .hash(scanner.stat(name))).manifest();
    }

    private static final Message.Welcome CODED_STORE = new Message.Welcome(Message.VERSION, "store", ChunkerParams.DEFAULT,
            false, List.of("zstd"));
    private static final Message.Welcome OLDER_STORE = new Message.Welcome(2, "store", ChunkerParams.DEFAULT, false);

    private void uploadTextAndRandom(ChunkUploader u) throws Exception {
        Manifest text = hashedText("log.txt", 1_000_000);
        Manifest random = hashed("photo.jpg", 500_000, 11);
        List<ChunkHash> missing = hashes(text, random);
        u.upload(new BatchRecord(1, List.of(new Change.Upsert(text), new Change.Upsert(random)), 0), missing);
        awaitStored(missing.size());
        assertEquals(Set.copyOf(missing), stored);
        long deadline = System.currentTimeMillis() + 5000;
        while (status.chunksUploaded() < missing.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1_500_000, status.bytesUploaded(), "raw bytes of the chunks");
        assertEquals(bodySizes.stream().mapToLong(Integer::longValue).sum(), status.bytesUploadedOnWire(),
                "bodies as sent");
        for (ChunkRef c : random.chunks()) {
            assertEquals(ChunkCodec.NONE, codecs.get(c.hash()), "a chunk of random bytes goes raw");
        }
    }

    @Test
    void compressibleChunksGoCompressedToAStoreThatDecodesZstd() throws Exception {
        ChunkUploader u = uploader(8 << 20);
        u.welcomed(CODED_STORE);
        uploadTextAndRandom(u);
        assertTrue(types.stream().allMatch(Endpoints.CHUNK_BATCH_CODED_TYPE::equals), types.toString());
        Manifest text = hashedText("log.txt", 1_000_000);
        for (ChunkRef c : text.chunks()) {
            assertEquals(ChunkCodec.ZSTD, codecs.get(c.hash()), "a chunk of text goes compressed");
        }
        assertTrue(status.bytesUploadedOnWire() < 500_000 + 1_000_000 / 3,
                status.bytesUploadedOnWire() + " bytes on the wire for 1 MB of text and 0.5 MB of random bytes");
    }

    @Test
    void aStoreWithoutCodecsGetsPlainRecords() throws Exception {
        ChunkUploader u = uploader(8 << 20);
        u.welcomed(CODED_STORE);
        u.welcomed(OLDER_STORE);
        uploadTextAndRandom(u);
        assertTrue(types.stream().allMatch(Endpoints.CHUNK_BATCH_TYPE::equals), types.toString());
        assertTrue(status.bytesUploadedOnWire() > 1_500_000, "plain records: every byte and a header per chunk");
    }

    @Test
    void compressOffSendsPlainRecordsEvenToAStoreThatDecodesZstd() throws Exception {
        ChunkUploader u = uploader(8 << 20, UploadCompression.OFF);
        u.welcomed(CODED_STORE);
        uploadTextAndRandom(u);
        assertTrue(types.stream().allMatch(Endpoints.CHUNK_BATCH_TYPE::equals), types.toString());
    }

    private Manifest hashed(String name, int size, long seed) throws IOException {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        Files.write(source.resolve(name), data);
        SourceScanner scanner = new SourceScanner(source);
        return ((HashResult.Hashed) new FileHasher(new FastCdc(ChunkerParams.DEFAULT), scanner, checksums)
                .hash(scanner.stat(name))).manifest();
    }

    private static List<ChunkHash> hashes(Manifest... manifests) {
        List<ChunkHash> out = new ArrayList<>();
        for (Manifest m : manifests) {
            for (ChunkRef c : m.chunks()) {
                out.add(c.hash());
            }
        }
        return out;
    }

    private void awaitStored(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (stored.size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    @Test
    void uploadsEveryMissingChunkInBoundedBodiesWithTheToken() throws Exception {
        Manifest big = hashed("big.bin", 3_000_000, 1);
        Manifest small = hashed("small.txt", 1000, 2);
        List<ChunkHash> missing = hashes(big, small);
        BatchRecord batch = new BatchRecord(1, List.of(new Change.Upsert(big), new Change.Upsert(small)), 0);

        uploader(1 << 20).upload(batch, missing);
        awaitStored(missing.size());

        assertEquals(Set.copyOf(missing), stored);
        assertTrue(bodySizes.stream().allMatch(s -> s <= 1 << 20), bodySizes.toString());
        assertTrue(bodySizes.size() >= 3, bodySizes.toString());
        assertTrue(auth.stream().allMatch("Bearer s3cret"::equals));
        long deadline = System.currentTimeMillis() + 5000;
        while (status.chunksUploaded() < missing.size() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(missing.size(), status.chunksUploaded());
        assertEquals(3_001_000, status.bytesUploaded());
    }

    @Test
    void retriesAfterServerErrors() throws Exception {
        Manifest m = hashed("f.bin", 200_000, 3);
        failNext.set(2);

        uploader(8 << 20).upload(new BatchRecord(1, List.of(new Change.Upsert(m)), 0), hashes(m));
        awaitStored(m.chunks().size());

        assertEquals(Set.copyOf(hashes(m)), stored);
    }

    @Test
    void changedFileIsMarkedDirtyAndItsChunkSkipped() throws Exception {
        Manifest m = hashed("changing.bin", 100_000, 4);
        byte[] other = new byte[100_000];
        new Random(99).nextBytes(other);
        Files.write(source.resolve("changing.bin"), other);

        uploader(8 << 20).upload(new BatchRecord(1, List.of(new Change.Upsert(m)), 0), hashes(m));
        long deadline = System.currentTimeMillis() + 5000;
        while (dirty.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }

        assertTrue(dirty.contains("changing.bin"));
        assertTrue(stored.isEmpty());
    }

    @Test
    void withoutARecordedCrcAChangedFileIsCaughtBySha256() throws Exception {
        checksums = ChunkChecksums.NONE;
        changedFileIsMarkedDirtyAndItsChunkSkipped();
    }

    @Test
    void theHasherRecordsTheCrcOfEveryChunk() throws Exception {
        Manifest m = hashed("crc.bin", 700_000, 12);
        byte[] data = Files.readAllBytes(source.resolve("crc.bin"));
        long offset = 0;
        for (ChunkRef c : m.chunks()) {
            assertEquals(ChunkChecksums.crc(data, (int) offset, c.length()), checksums.of(c.hash()));
            offset += c.length();
        }
    }

    /** A refused record (a change that kept the CRC) loses nothing: the body's chunks go again, SHA-256-checked. */
    @Test
    void aBodyRefusedForAHashMismatchIsSentAgainCheckedWithSha256() throws Exception {
        Manifest m = hashed("again.bin", 400_000, 13);
        mismatchNext.set(1);

        uploader(8 << 20).upload(new BatchRecord(1, List.of(new Change.Upsert(m)), 0), hashes(m));
        awaitStored(m.chunks().size());

        assertEquals(Set.copyOf(hashes(m)), stored);
        assertEquals(1, refusedBodies.size());
        assertTrue(dirty.isEmpty(), "the file did not change: " + dirty);
    }

    @Test
    void aBodyRefusedAgainAfterTheSha256CheckIsDroppedNotSentForever() throws Exception {
        Manifest m = hashed("refused.bin", 100_000, 14);
        mismatchNext.set(1_000);

        uploader(8 << 20).upload(new BatchRecord(1, List.of(new Change.Upsert(m)), 0), hashes(m));
        long deadline = System.currentTimeMillis() + 10_000;
        while ((refusedBodies.size() < 2 || uploader.queuedChunks() > 0) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        // A chunk leaves the queue only after its last body was answered, so with none queued every send is counted.
        assertEquals(0, uploader.queuedChunks(), "still queued after 10 s: " + refusedBodies.size() + " bodies refused");
        assertTrue(uploader.idle());
        // Each chunk was sent once CRC-checked and, refused, once more SHA-256-checked, then dropped, not sent
        // forever. (A chunk refused in one body with a chunk already SHA-256-checked is dropped after one send.)
        Map<ChunkHash, Long> sends = refusedRecords.stream().collect(Collectors.groupingBy(h -> h, Collectors.counting()));
        assertEquals(Set.copyOf(hashes(m)), sends.keySet(), "every chunk was sent");
        assertTrue(sends.values().stream().allMatch(n -> n <= 2), "sent more than twice: " + sends);
        assertTrue(sends.containsValue(2L), "no chunk was sent again checked with SHA-256: " + sends);
        assertTrue(stored.isEmpty());
    }

    /** The chunk hashes of the records of a batch body. */
    private static List<ChunkHash> records(byte[] body) throws IOException {
        List<ChunkHash> out = new ArrayList<>();
        ChunkBatchFormat.Reader reader = new ChunkBatchFormat.Reader(new java.io.ByteArrayInputStream(body), 1 << 20);
        try {
            while (reader.next()) {
                out.add(reader.hash());
            }
        } catch (Exception e) {
            throw new IOException(e);
        }
        return out;
    }

    @Test
    void chunksOfAFileInADirectoryMovedAfterTheBatchAreReadFromItsNewPlace() throws Exception {
        Files.createDirectories(source.resolve("d"));
        Manifest m = hashed("d/f.bin", 150_000, 5);
        BatchRecord batch = new BatchRecord(7, List.of(new Change.Upsert(m)), 0);
        Files.move(source.resolve("d"), source.resolve("e"));
        ChunkUploader u = uploader(8 << 20);
        // The move went out after batch 7; the store rebased the pending d/f.bin to e/f.bin and still waits.
        u.moved("d", "e", 7);

        u.upload(batch, hashes(m));
        awaitStored(m.chunks().size());

        assertEquals(Set.copyOf(hashes(m)), stored);
    }

    @Test
    void aChunkWhoseFileMovedBeforeTheMoveWasSeenIsReadOnceTheMoveArrives() throws Exception {
        Files.createDirectories(source.resolve("d"));
        Manifest m = hashed("d/g.bin", 120_000, 6);
        Files.move(source.resolve("d"), source.resolve("e"));
        ChunkUploader u = uploader(8 << 20);
        u.upload(new BatchRecord(8, List.of(new Change.Upsert(m)), 0), hashes(m));
        long deadline = System.currentTimeMillis() + 5000;
        while (!dirty.contains("d/g.bin") && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(dirty.contains("d/g.bin"), "the read at the old place failed");

        u.moved("d", "e", 8);
        awaitStored(m.chunks().size());

        assertEquals(Set.copyOf(hashes(m)), stored);
    }
}
