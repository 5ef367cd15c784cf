package dev.ferry.store.hostile;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded fuzzing of a running store over real sockets: thousands of hostile WebSocket frames (evil paths, symlink
 * tricks, malformed and mutated JSON, out-of-order messages) and REST uploads (wrong hashes, truncated and
 * oversized batches, wrong types), with links planted in DEST that point outside it. Afterwards: nothing outside
 * DEST changed, DEST/.ferry is intact, the store answers and a real sync works.
 *
 * <p>{@code -Dfuzz.inputs=N -Dfuzz.seed=S} (defaults 3000 and a random seed, printed) reproduce a run;
 * docs/RELIABILITY.md has the long-run command.
 */
@QuarkusTest
@TestProfile(FuzzProfile.class)
class StoreFuzzTest {
    private static final String[] SEGMENTS = {
            "a", "b", "dir", "file.txt", "link-out", "link-parent", "link-file", "d", "..", ".", "", ".ferry", ".FERRY",
            "\uff0eferry", ".fe\u200crry", "FERRY~1", ".ferry.", "CON", "C:", "nul.txt", "a\\b", "x\u0000y", "x\ny",
            "\u00e9", "e\u0301", "tmp", "chunks", "index.log", "\ud83d\ude00", "\ud800", " ", "...", "~",
    };
    /** Valid names, most of them planted links, so that many inputs reach the disk through them. */
    private static final String[] PLAIN = {"link-out", "link-parent", "link-file", "d", "a", "outside", "dest", "sibling"};
    private static final String[] TARGETS = {"/etc", "/", "..", "../..", "../../outside", "../outside/canary.txt",
            "link-out", "a/../../..", "/tmp", ".ferry", ".ferry/chunks", "\u00e9"};

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @TestHTTPResource("/")
    URI base;
    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;
    @Inject
    dev.ferry.store.storage.ChunkStore chunkStore;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final Map<String, Integer> outcomes = new TreeMap<>();
    /** Item failures other than refused paths and messages, shown after the run. */
    private final List<String> unexpected = new ArrayList<>();
    private final List<byte[]> known = new ArrayList<>();
    private Random rnd;
    private WsClient ws;
    private Path root;
    private Path outside;

    @Test
    void hostileInputNeverEscapesDestAndTheStoreKeepsServing() throws Exception {
        int inputs = Integer.getInteger("fuzz.inputs", 3000);
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        System.out.println("[fuzz] seed " + seed + ", " + inputs + " inputs (rerun: -Dfuzz.seed=" + seed
                + " -Dfuzz.inputs=" + inputs + ")");
        rnd = new Random(seed);
        root = layout.dest();
        Path basedir = root.getParent();
        outside = Files.createDirectories(basedir.resolve("outside"));
        Files.writeString(outside.resolve("canary.txt"), "canary " + seed);
        Files.createDirectories(basedir.resolve("sibling/deep"));
        Files.writeString(basedir.resolve("sibling/deep/canary"), "sibling canary");
        Files.createSymbolicLink(basedir.resolve("sibling/back-into-dest"), root);
        for (int i = 0; i < 8; i++) {
            known.add(random(1 + rnd.nextInt(5000)));
        }
        upload(known);
        Map<String, String> outsideBefore = snapshot(basedir, root);
        Map<String, String> stateBefore = stateFiles();
        long started = System.nanoTime();
        try {
            for (int i = 0; i < inputs; i++) {
                plantLinks();
                try {
                    oneInput(i);
                    settle();
                } catch (AssertionError e) {
                    throw new AssertionError("input " + i + " of seed " + seed + ": " + e.getMessage(), e);
                }
                if (i % 500 == 499) {
                    assertUnchanged(outsideBefore, snapshot(basedir, root), "by input <= " + i + ", seed " + seed);
                }
            }
        } finally {
            if (ws != null) {
                ws.close();
            }
        }
        long ms = (System.nanoTime() - started) / 1_000_000;
        System.out.println("[fuzz] seed " + seed + ": " + inputs + " inputs in " + ms + " ms; outcomes " + outcomes);
        for (String u : unexpected) {
            System.out.println("[fuzz] other failure: " + u);
        }

        assertUnchanged(outsideBefore, snapshot(basedir, root), "(seed " + seed + ")");
        assertStateIntact(stateBefore);
        assertEquals(200, get("/q/health/ready").statusCode());
        aRealSyncStillWorks();
        String owner = Files.readString(layout.stateDir().resolve("source.json"));
        assertTrue(owner.contains("\"" + SOURCE_ID + "\""), "after its own hello the store belongs to the fuzzer's "
                + "source again (hostile hellos may take it over only while it is away): " + owner);
    }

    private void oneInput(int i) throws Exception {
        int kind = rnd.nextInt(100);
        if (kind < 45) {
            ensureGreeted();
            send(Wire.encode(new Message.Changes(i, randomChanges())), "changes");
        } else if (kind < 60) {
            ensureGreeted();
            send(mutate(Wire.encode(new Message.Changes(i, randomChanges()))), "mutated");
        } else if (kind < 70) {
            outOfOrder(i);
        } else if (kind < 78) {
            uploadForPending();
        } else {
            rest();
        }
    }

    private List<Change> randomChanges() {
        List<Change> items = new ArrayList<>();
        int n = 1 + rnd.nextInt(5);
        for (int k = 0; k < n; k++) {
            try {
                switch (rnd.nextInt(5)) {
                    case 0, 1 -> items.add(new Change.Upsert(randomManifest(evilPath())));
                    case 2 -> items.add(new Change.Delete(evilPath()));
                    default -> items.add(new Change.Move(evilPath(), randomManifest(evilPath())));
                }
            } catch (IllegalArgumentException e) {
                count("generator-refused");
            }
        }
        return items;
    }

    private Manifest randomManifest(String path) {
        long mtime = rnd.nextInt(4) == 0 ? rnd.nextLong() : 1_600_000_000_000_000_000L + rnd.nextInt(1_000_000);
        int mode = rnd.nextInt(8) == 0 ? rnd.nextInt(07777 + 1) : 0644;
        switch (rnd.nextInt(3)) {
            case 0:
                return Manifest.directory(path, mode | 0700, mtime);
            case 1:
                return Manifest.symlink(path, mtime, TARGETS[rnd.nextInt(TARGETS.length)]);
            default:
                List<ChunkRef> chunks = new ArrayList<>();
                long size = 0;
                for (int c = rnd.nextInt(4); c > 0; c--) {
                    byte[] data = rnd.nextInt(3) == 0 ? random(1 + rnd.nextInt(3000)) : known.get(rnd.nextInt(known.size()));
                    chunks.add(new ChunkRef(ChunkHash.compute(data, 0, data.length), data.length));
                    size += data.length;
                    if (!known.contains(data)) {
                        pendingChunks.add(data);
                    }
                }
                return Manifest.file(path, mode, mtime, size, chunks);
        }
    }

    private final List<byte[]> pendingChunks = new ArrayList<>();

    private String evilPath() {
        if (rnd.nextInt(40) == 0) {
            return "p/".repeat(rnd.nextInt(3000));
        }
        if (rnd.nextInt(40) == 0) {
            return "n".repeat(250 + rnd.nextInt(10));
        }
        StringBuilder sb = new StringBuilder(rnd.nextInt(20) == 0 ? "/" : "");
        int depth = 1 + rnd.nextInt(4);
        for (int d = 0; d < depth; d++) {
            if (d > 0) {
                sb.append(rnd.nextInt(30) == 0 ? "//" : "/");
            }
            int pick = rnd.nextInt(10);
            sb.append(pick < 3 ? "n" + rnd.nextInt(4) : pick < 6 ? PLAIN[rnd.nextInt(PLAIN.length)]
                    : SEGMENTS[rnd.nextInt(SEGMENTS.length)]);
        }
        return sb.toString();
    }

    private String mutate(String frame) {
        StringBuilder sb = new StringBuilder(frame);
        for (int m = 1 + rnd.nextInt(4); m > 0 && sb.length() > 0; m--) {
            int at = rnd.nextInt(sb.length());
            switch (rnd.nextInt(6)) {
                case 0 -> sb.setCharAt(at, (char) rnd.nextInt(128));
                case 1 -> sb.setLength(at);
                case 2 -> sb.insert(at, new String[] {"{", "}", "[", "]", "\"", ",", ":", "null", "-1", "1e999",
                        "\"type\":\"hello\"", "\\u0000", "\"op\":\"move\""}[rnd.nextInt(13)]);
                case 3 -> sb.deleteCharAt(at);
                case 4 -> sb.replace(at, Math.min(sb.length(), at + 5), "\"" + "x".repeat(rnd.nextInt(10_000)) + "\"");
                default -> sb.insert(at, sb.substring(at, Math.min(sb.length(), at + 1 + rnd.nextInt(40))));
            }
        }
        return sb.length() == 0 ? "{" : sb.toString();
    }

    private byte[] bomb;

    /**
     * Out-of-order and hostile frames, one case each. A new message type gets its own case here (widen the bound of
     * the switch): sent before hello, after hello, out of its turn, and with hostile field values.
     */
    private void outOfOrder(int i) throws Exception {
        switch (rnd.nextInt(10)) {
            case 8 -> {
                ensureGreeted();
                byte[] frame = switch (rnd.nextInt(4)) {
                    case 0 -> random(1 + rnd.nextInt(2000));
                    case 1 -> {
                        if (bomb == null) {
                            bomb = dev.ferry.protocol.FrameCompression.deflate("{\"type\":\"check\",\"rootDigest\":\""
                                    + "a".repeat(40 * 1024 * 1024) + "\"}");
                        }
                        yield bomb;
                    }
                    default -> dev.ferry.protocol.FrameCompression.deflate(mutate(Wire.encode(new Message.Changes(i, randomChanges()))));
                };
                count("ws-binary");
                try {
                    ws.sendBinaryRaw(frame);
                } catch (IOException e) {
                    count("ws-closed-while-sending");
                }
            }
            case 9 -> {
                ensureGreeted();
                count("ws-binary-changes");
                try {
                    ws.sendBinaryRaw(dev.ferry.protocol.FrameCompression.deflate(Wire.encode(new Message.Changes(i, randomChanges()))));
                } catch (IOException e) {
                    count("ws-closed-while-sending");
                }
            }
            case 0 -> {
                reconnect();
                send(Wire.encode(new Message.Changes(i, randomChanges())), "before-hello");
            }
            case 1 -> {
                ensureGreeted();
                List<Message.IndexEntry> entries = new ArrayList<>();
                for (int k = rnd.nextInt(20); k > 0; k--) {
                    entries.add(new Message.IndexEntry(evilPath(), rnd.nextBoolean() ? "00" : null));
                }
                send(Wire.encode(new Message.IndexBatch(entries, rnd.nextInt(3) == 0)), "index");
            }
            case 2 -> {
                ensureGreeted();
                send(Wire.encode(hello("fuzz-" + rnd.nextInt(3), index.rootDigest())), "second-hello");
            }
            case 3 -> {
                ensureGreeted();
                send(Wire.encode(new Message.Ack(i, List.of(new Message.Failure("x", "y")))), "store-only-type");
            }
            case 4 -> {
                ensureGreeted();
                send("{\"type\":\"" + new String[] {"bogus", "HELLO", "", "need", "welcome", "missing"}[rnd.nextInt(6)]
                        + "\",\"batch\":1}", "unknown-type");
            }
            case 5 -> {
                ensureGreeted();
                send("[".repeat(1 + rnd.nextInt(2000)), "deep-nesting");
            }
            case 6 -> {
                ensureGreeted();
                send(Wire.encode(new Message.Error("x".repeat(rnd.nextInt(100_000)), "\n\u0000".repeat(rnd.nextInt(1000)))), "error-frame");
            }
            default -> {
                reconnect();
                String chunker = rnd.nextBoolean() ? Wire.mapper().valueToTree(ChunkerParams.DEFAULT).toString()
                        : "{\"algorithm\":\"x\",\"minSize\":1,\"avgSize\":2,\"maxSize\":3}";
                String[] sourceIds = {"\"" + SOURCE_ID + "\"", "\"another-source\"", "\"\\u0001\"", "\"\"", "null", "42",
                        "\"" + "s".repeat(1 + rnd.nextInt(100_000)) + "\"", "{\"a\":1}"};
                send("{\"type\":\"hello\",\"protocol\":" + rnd.nextInt(3) + ",\"clientId\":\"h"
                        + (rnd.nextBoolean() ? "\\u0001" : "") + "\",\"chunker\":" + chunker + ",\"rootDigest\":\"r\",\"entries\":-1"
                        + ",\"sourceId\":" + sourceIds[rnd.nextInt(sourceIds.length)]
                        + (rnd.nextBoolean() ? ",\"takeOver\":" + new String[] {"true", "false", "\"yes\"", "null"}[rnd.nextInt(4)] : "")
                        + "}", "bad-hello");
            }
        }
    }

    /**
     * The one place a well-formed hello is made: a field added to hello (and its hostile values, in the bad-hello
     * case of {@link #outOfOrder}) is added here and there.
     */
    private static Message.Hello hello(String clientId, String rootDigest) {
        return new Message.Hello(Message.VERSION, clientId, ChunkerParams.DEFAULT, rootDigest, 0, SOURCE_ID, true);
    }

    /**
     * The fuzzer's own source. Bad hellos try other sources and take-overs; when one took the store over while the
     * fuzzer was away, the fuzzer's next hello (always with take-over) wins it back, or is refused while that other
     * session is still connected, as it must be.
     */
    private static final String SOURCE_ID = "fuzz-source";

    private void uploadForPending() throws Exception {
        if (pendingChunks.isEmpty()) {
            count("upload-nothing-pending");
            return;
        }
        List<byte[]> some = new ArrayList<>();
        for (int k = rnd.nextInt(Math.min(10, pendingChunks.size())) + 1; k > 0 && !pendingChunks.isEmpty(); k--) {
            some.add(pendingChunks.remove(rnd.nextInt(pendingChunks.size())));
        }
        count("upload-" + upload(some));
        known.addAll(some);
    }

    private void rest() throws Exception {
        byte[] data = random(1 + rnd.nextInt(4000));
        String hash = HexFormat.of().formatHex(ChunkHash.compute(data, 0, data.length).toBytes());
        HttpRequest.Builder r;
        switch (rnd.nextInt(7)) {
            case 0 -> r = request(Endpoints.CHUNKS + "/" + (rnd.nextBoolean() ? hash : randomHex())).header("Content-Type",
                    new String[] {"application/octet-stream", "text/plain", "*/*", "application/x-ferry-chunks"}[rnd.nextInt(4)])
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(rnd.nextInt(10) == 0 ? new byte[0] : data));
            case 1 -> r = request(Endpoints.CHUNKS + "/" + new String[] {"..%2f..%2fx", "zz", hash.toUpperCase(), "%00", hash + "0"}[rnd.nextInt(5)])
                    .header("Content-Type", "application/octet-stream").PUT(HttpRequest.BodyPublishers.ofByteArray(data));
            case 2 -> r = request(Endpoints.CHUNKS + "/" + hash).header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[ChunkerParams.DEFAULT.maxSize() + 1 + rnd.nextInt(1000)]));
            case 3 -> r = request(Endpoints.CHUNK_BATCH).header("Content-Type", rnd.nextInt(5) == 0 ? "text/plain" : Endpoints.CHUNK_BATCH_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mutatedBatch()));
            case 4 -> r = request(Endpoints.CHUNK_BATCH).header("Content-Type", rnd.nextInt(5) == 0 ? Endpoints.CHUNK_BATCH_TYPE : Endpoints.CHUNK_BATCH_CODED_TYPE)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(mutatedCodedBatch()));
            case 5 -> r = request(Endpoints.CHUNK_MISSING).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(mutate("{\"chunks\":[\"" + hash + "\",\"" + randomHex() + "\"]}")));
            default -> r = request(Endpoints.CHUNKS + "/" + hash).method("HEAD", HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        int status = response.statusCode();
        count("rest-" + status);
        assertTrue(status < 500 || status == 507, "status " + status + ": " + response.body());
        assertTrue(!response.body().contains("\tat ") && response.body().length() < 4000, "no stack trace: " + response.body());
    }

    private byte[] mutatedBatch() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = rnd.nextInt(4); k >= 0; k--) {
            byte[] data = random(1 + rnd.nextInt(3000));
            ChunkBatchFormat.writeRecord(out, ChunkHash.compute(data, 0, data.length), data, 0, data.length);
        }
        byte[] body = out.toByteArray();
        switch (rnd.nextInt(4)) {
            case 0 -> body[rnd.nextInt(body.length)] ^= (byte) (1 + rnd.nextInt(255));
            case 1 -> body = java.util.Arrays.copyOf(body, rnd.nextInt(body.length));
            case 2 -> {
                int at = 32;
                body[at] = (byte) 0x7f;
            }
            default -> {
            }
        }
        return body;
    }

    /** Coded records (docs/PROTOCOL.md), zstd frames of compressible chunks and raw ones, then one mutation. */
    private byte[] mutatedCodedBatch() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        io.airlift.compress.zstd.ZstdCompressor zstd = new io.airlift.compress.zstd.ZstdCompressor();
        for (int k = rnd.nextInt(4); k >= 0; k--) {
            byte[] data = ("fuzz " + rnd.nextInt(1000) + " ").repeat(1 + rnd.nextInt(500))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ChunkHash hash = ChunkHash.compute(data, 0, data.length);
            if (rnd.nextBoolean()) {
                byte[] frame = new byte[zstd.maxCompressedLength(data.length)];
                int n = zstd.compress(data, 0, data.length, frame, 0, frame.length);
                ChunkBatchFormat.writeCodedRecord(out, hash, dev.ferry.protocol.ChunkCodec.ZSTD, data.length, frame, 0, n);
            } else {
                ChunkBatchFormat.writeCodedRecord(out, hash, dev.ferry.protocol.ChunkCodec.NONE, data.length, data, 0, data.length);
            }
        }
        byte[] body = out.toByteArray();
        switch (rnd.nextInt(5)) {
            case 0 -> body[rnd.nextInt(body.length)] ^= (byte) (1 + rnd.nextInt(255));
            case 1 -> body = java.util.Arrays.copyOf(body, rnd.nextInt(body.length));
            case 2 -> body[32] = (byte) rnd.nextInt(256);
            case 3 -> body[33 + rnd.nextInt(8)] = (byte) rnd.nextInt(256);
            default -> {
            }
        }
        return body;
    }

    /** Waits until the store has handled everything sent so far: a check round trip on the apply thread. */
    private void settle() throws Exception {
        for (int attempt = 0; ; attempt++) {
            ensureGreeted();
            try {
                ws.send(new Message.Check("settle"));
                break;
            } catch (IOException e) {
                greeted = false;
                assertTrue(attempt < 3, "cannot reach the store: " + e);
            }
        }
        long deadline = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < deadline) {
            Message m = ws.poll(200);
            if (m instanceof Message.Checked) {
                return;
            }
            if (m instanceof Message.Error e) {
                count("ws-error-" + e.code());
            } else if (m instanceof Message.Ack a) {
                for (Message.Failure f : a.failed()) {
                    String reason = String.valueOf(f.reason());
                    String code = reason.indexOf(':') > 0 ? reason.substring(0, reason.indexOf(':')) : reason;
                    count("failed-" + code);
                    if (!code.equals("bad-path") && !code.equals("bad-message") && unexpected.size() < 20) {
                        unexpected.add(RelativePaths.printable(f.path()) + ": " + reason);
                    }
                }
            }
            if (m == null && !ws.isOpen()) {
                greeted = false;
                settle();
                return;
            }
        }
        fail("the store did not answer a check within 30 s");
    }

    private boolean greeted;

    private void ensureGreeted() throws Exception {
        if (ws == null || !ws.isOpen() || !greeted) {
            reconnect();
            ws.send(hello("fuzz", "x"));
            Message m = ws.poll(15_000);
            assertTrue(m instanceof Message.Welcome, "welcome expected, got " + m);
            greeted = true;
        }
    }

    private void reconnect() throws Exception {
        if (ws != null) {
            ws.close();
        }
        ws = WsClient.connect(sync, null);
        greeted = false;
    }

    private void send(String frame, String what) throws Exception {
        count("ws-" + what);
        try {
            ws.sendRaw(frame);
        } catch (IOException e) {
            count("ws-closed-while-sending");
        }
        if (frame.startsWith("{\"type\":\"hello\"") || what.equals("second-hello") || what.equals("bad-hello")) {
            Message m = ws.poll(15_000);
            greeted = m instanceof Message.Welcome;
        }
    }

    /** Puts the links back that earlier inputs replaced: into DEST's parent, outside DEST, onto a canary file. */
    private void plantLinks() throws IOException {
        plant(root.resolve("link-out"), outside);
        plant(root.resolve("link-parent"), root.getParent());
        plant(root.resolve("link-file"), outside.resolve("canary.txt"));
        if (Files.isDirectory(root.resolve("d"), LinkOption.NOFOLLOW_LINKS)) {
            try {
                plant(root.resolve("d/link-out"), outside);
            } catch (java.nio.file.NoSuchFileException e) {
                // The store removed d meanwhile (an install or delete still finishing): nothing to plant in.
            }
        }
    }

    private static void plant(Path link, Path target) throws IOException {
        // The store's writer threads may still be installing, into or at this path, a file the last inputs sent
        // (the check round trip does not wait for them): a step that meets such an install is tried again.
        for (int attempt = 1; ; attempt++) {
            try {
                if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
                    return;
                }
                dev.ferry.store.storage.StoreLayout.deleteTree(link);
                Files.createSymbolicLink(link, target);
                return;
            } catch (java.nio.file.DirectoryNotEmptyException | java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 50) {
                    throw e;
                }
                try {
                    Thread.sleep(10);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Every entry below {@code dir} but {@code skip}: type, size, mode, mtime, and a file's bytes or a link's target. */
    private static Map<String, String> snapshot(Path dir, Path skip) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) throws IOException {
                if (d.equals(skip)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                out.put(dir.relativize(d) + "/", describe(d, a));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                out.put(dir.relativize(f).toString(), describe(f, a)
                        + (a.isSymbolicLink() ? " -> " + Files.readSymbolicLink(f) : a.isRegularFile()
                        ? " " + HexFormat.of().formatHex(sha256(Files.readAllBytes(f))) : ""));
                return FileVisitResult.CONTINUE;
            }

            private String describe(Path p, BasicFileAttributes a) throws IOException {
                String mode = a.isSymbolicLink() ? "" : PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                return (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : "f") + " " + a.size() + " " + mode + " "
                        + a.lastModifiedTime().toMillis();
            }
        });
        return out;
    }

    private static void assertUnchanged(Map<String, String> before, Map<String, String> after, String when) {
        List<String> diff = new ArrayList<>();
        for (Map.Entry<String, String> e : after.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                diff.add((before.containsKey(e.getKey()) ? "changed " : "added ") + e.getKey() + " = " + e.getValue());
            }
        }
        for (String k : before.keySet()) {
            if (!after.containsKey(k)) {
                diff.add("removed " + k);
            }
        }
        if (!diff.isEmpty()) {
            fail("outside DEST changed " + when + ":\n  " + String.join("\n  ", diff.subList(0, Math.min(30, diff.size()))));
        }
    }

    private static byte[] sha256(byte[] bytes) {
        return ChunkHash.compute(bytes, 0, bytes.length).toBytes();
    }

    private Map<String, String> stateFiles() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String name : List.of("store-id", "chunker")) {
            out.put(name, Files.readString(layout.stateDir().resolve(name)));
        }
        return out;
    }

    private void assertStateIntact(Map<String, String> before) throws Exception {
        Path state = layout.stateDir();
        assertTrue(Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS), ".ferry is still a real directory");
        assertEquals(before, stateFiles(), "store-id and chunker unchanged");
        assertTrue(Files.isRegularFile(state.resolve("lock"), LinkOption.NOFOLLOW_LINKS));
        try (var names = Files.list(state)) {
            for (Path p : names.toList()) {
                assertTrue(List.of("lock", "store-id", "chunker", "index.log", "source.json", StoreIgnoreRules.FILE,
                        dev.ferry.store.storage.StateDatabase.FILE, "packs", "tmp", StoreLayout.VERSIONS)
                        .contains(p.getFileName().toString()), "unexpected " + p);
            }
        }
        if (Files.exists(layout.versionsDir(), LinkOption.NOFOLLOW_LINKS)) {
            // Kept versions: hard links of replaced mirror files, nothing else (no link, no folder).
            assertTrue(Files.isDirectory(layout.versionsDir(), LinkOption.NOFOLLOW_LINKS));
            try (var kept = Files.list(layout.versionsDir())) {
                for (Path p : kept.toList()) {
                    assertTrue(Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && p.getFileName().toString().matches("[0-9a-f]{16}"), "unexpected " + p);
                }
            }
        }
        int chunks = 0;
        byte[] buf = new byte[chunkStore.maxChunk()];
        for (int fan = 0; fan < 256; fan++) {
            for (var e : chunkStore.fan(fan)) {
                assertEquals(e.getValue().length(), chunkStore.read(e.getKey(), buf), "a chunk is stored under its own hash");
                chunks++;
            }
        }
        index.flush();
        for (Manifest m : index.manifests()) {
            assertTrue(RelativePaths.isValid(m.path()), "index path " + RelativePaths.printable(m.path()));
        }
        System.out.println("[fuzz] " + chunks + " chunks verified, " + index.size() + " entries in the index");
    }

    private void aRealSyncStillWorks() throws Exception {
        byte[] a = random(30_000);
        byte[] b = random(20_000);
        Manifest file = Manifest.file("after-fuzz/real.bin", 0640, 1_700_000_000_000_000_000L, a.length + b.length,
                List.of(new ChunkRef(ChunkHash.compute(a, 0, a.length), a.length), new ChunkRef(ChunkHash.compute(b, 0, b.length), b.length)));
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(hello("after-fuzz", "x"));
            c.next(Message.Welcome.class);
            c.send(new Message.Changes(1, List.of(new Change.Delete("after-fuzz"),
                    new Change.Upsert(Manifest.directory("after-fuzz", 0755, 1L)), new Change.Upsert(file))));
            c.next(Message.Missing.class);
            upload(List.of(a, b));
            assertEquals(List.of(), c.next(Message.Ack.class).failed());
        }
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.write(a);
        expected.write(b);
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(root.resolve("after-fuzz/real.bin")));
    }

    private int upload(List<byte[]> chunks) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] c : chunks) {
            ChunkBatchFormat.writeRecord(out, ChunkHash.compute(c, 0, c.length), c, 0, c.length);
        }
        return http.send(request(Endpoints.CHUNK_BATCH).header("Content-Type", Endpoints.CHUNK_BATCH_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(out.toByteArray())).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30));
    }

    private byte[] random(int size) {
        byte[] b = new byte[size];
        rnd.nextBytes(b);
        return b;
    }

    private String randomHex() {
        return HexFormat.of().formatHex(random(32));
    }

    private void count(String outcome) {
        outcomes.merge(outcome, 1, Integer::sum);
    }
}
