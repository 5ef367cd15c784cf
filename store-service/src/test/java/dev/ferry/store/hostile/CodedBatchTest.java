package dev.ferry.store.hostile;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkCodec;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Message;
import dev.ferry.store.TempDestProfile;
import dev.ferry.store.TestData;
import dev.ferry.store.WsClient;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.sync.StoreStats;
import io.airlift.compress.zstd.ZstdCompressor;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.oneOf;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Coded chunk batches ({@code application/x-ferry-chunks-2}) over real HTTP: compressed chunks are stored raw under
 * their hash; bombs, lying lengths, unknown codecs and corrupt or truncated frames get 400 with the records before
 * them kept, and the store goes on serving.
 */
@QuarkusTest
@TestProfile(TempDestProfile.class)
class CodedBatchTest {
    private static final String CODED = Endpoints.CHUNK_BATCH_CODED_TYPE;

    @TestHTTPResource(Endpoints.SYNC)
    URI sync;
    @Inject
    ChunkStore chunks;
    @Inject
    StoreStats stats;

    /** About 60 KB of text, different for each {@code seed}. */
    private static byte[] text(int seed) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; s.length() < 60_000; i++) {
            s.append("line ").append(i).append(" of text ").append(seed).append(": the quick brown fox jumps over ")
                    .append(i % 7 == 0 ? "the lazy dog" : "a sleeping cat").append('\n');
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] zstd(byte[] raw) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(raw.length)];
        return Arrays.copyOf(out, c.compress(raw, 0, raw.length, out, 0, out.length));
    }

    private static byte[] record(ChunkHash hash, ChunkCodec codec, int rawLength, byte[] wire) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ChunkBatchFormat.writeCodedRecord(out, hash, codec, rawLength, wire, 0, wire.length);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    private static byte[] zstdRecord(byte[] raw) {
        return record(TestData.hash(raw), ChunkCodec.ZSTD, raw.length, zstd(raw));
    }

    private static byte[] body(byte[]... records) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] r : records) {
            out.writeBytes(r);
        }
        return out.toByteArray();
    }

    private static void head(byte[] raw, int status) {
        given().head(Endpoints.CHUNKS + "/" + TestData.hash(raw).hex()).then().statusCode(status);
    }

    /** Posts {@code bad} after one good record: 400 with {@code code}, the good record kept, the bad one not. */
    private void refusedAfterAGoodOne(byte[] bad, String code, byte[] badRaw) {
        byte[] good = text(1000 + (int) (System.nanoTime() & 0xffff));
        given().contentType(CODED).body(body(zstdRecord(good), bad)).post(Endpoints.CHUNK_BATCH).then().statusCode(400)
                .body("error", equalTo(code)).body("stored", equalTo(1));
        head(good, 200);
        if (badRaw != null) {
            head(badRaw, 404);
        }
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void compressedAndRawRecordsAreStoredAsTheirRawBytes() throws Exception {
        byte[] text = text(1);
        byte[] random = TestData.random(20_000);
        byte[] frame = zstd(text);
        long rawBefore = stats.bytesReceived();
        long wireBefore = stats.wireBytesReceived();
        given().contentType(CODED)
                .body(body(record(TestData.hash(text), ChunkCodec.ZSTD, text.length, frame),
                        record(TestData.hash(random), ChunkCodec.NONE, random.length, random), zstdRecord(text)))
                .post(Endpoints.CHUNK_BATCH).then().statusCode(200).body("stored", equalTo(2)).body("present", equalTo(1));
        byte[] stored = new byte[chunks.maxChunk()];
        assertArrayEquals(text, Arrays.copyOf(stored, chunks.read(TestData.hash(text), stored)));
        assertArrayEquals(random, Arrays.copyOf(stored, chunks.read(TestData.hash(random), stored)));
        assertEquals(2L * text.length + random.length, stats.bytesReceived() - rawBefore, "raw bytes of the chunks");
        assertEquals(2L * frame.length + random.length, stats.wireBytesReceived() - wireBefore, "bytes as they came");
        assertTrue(frame.length * 5 < text.length, "text frame " + frame.length);
    }

    @Test
    void aBombCostsNoMoreThanItsDeclaredLength() {
        byte[] zeros = new byte[8 * 1024 * 1024];
        byte[] bomb = zstd(zeros);
        byte[] declared = Arrays.copyOf(zeros, 1000);
        refusedAfterAGoodOne(record(TestData.hash(declared), ChunkCodec.ZSTD, 1000, bomb), "bad-compression", declared);
        byte[] largest = Arrays.copyOf(zeros, ChunkerParams.DEFAULT.maxSize());
        refusedAfterAGoodOne(record(TestData.hash(largest), ChunkCodec.ZSTD, largest.length, bomb), "bad-compression",
                largest);
    }

    @Test
    void lyingLengthsAndUnknownCodecsAreRefused() {
        byte[] text = text(2);
        ChunkHash hash = TestData.hash(text);
        byte[] frame = zstd(text);
        refusedAfterAGoodOne(record(hash, ChunkCodec.ZSTD, text.length + 1, frame), "bad-compression", text);
        refusedAfterAGoodOne(record(hash, ChunkCodec.ZSTD, text.length - 1, frame), "bad-compression", text);
        refusedAfterAGoodOne(record(hash, ChunkCodec.ZSTD, 100, Arrays.copyOf(frame, 101)), "bad-compression", text);
        byte[] rawLie = record(hash, ChunkCodec.NONE, text.length, text);
        rawLie[ChunkHash.LENGTH + 4]++;
        refusedAfterAGoodOne(rawLie, "bad-compression", text);
        byte[] unknown = record(hash, ChunkCodec.ZSTD, text.length, frame);
        unknown[ChunkHash.LENGTH] = 7;
        refusedAfterAGoodOne(unknown, "bad-compression", text);
        byte[] huge = record(hash, ChunkCodec.ZSTD, ChunkerParams.DEFAULT.maxSize() + 1, frame);
        refusedAfterAGoodOne(huge, "too-large", text);
    }

    @Test
    void corruptTruncatedAndMisnamedFramesAreRefused() {
        byte[] text = text(3);
        byte[] frame = zstd(text);
        byte[] corrupt = frame.clone();
        corrupt[frame.length / 2] ^= 0x55;
        given().contentType(CODED).body(body(zstdRecord(text(4)), record(TestData.hash(text), ChunkCodec.ZSTD,
                        text.length, corrupt))).post(Endpoints.CHUNK_BATCH).then().statusCode(400)
                .body("error", oneOf("bad-compression", "hash-mismatch")).body("stored", equalTo(1));
        head(text, 404);
        byte[] whole = zstdRecord(text);
        refusedAfterAGoodOne(Arrays.copyOf(whole, whole.length - 3), "truncated", text);
        // A frame that decodes well to bytes that are not the named chunk: the hash of the decoded bytes decides.
        byte[] other = text(5);
        given().contentType(CODED).body(record(TestData.hash(text), ChunkCodec.ZSTD, other.length, zstd(other)))
                .post(Endpoints.CHUNK_BATCH).then().statusCode(400).body("error", equalTo("hash-mismatch"));
        head(text, 404);
        head(other, 404);
        // Plain records sent as coded ones do not parse as such: refused, not stored.
        given().contentType(CODED).body(TestData.batch(List.of(text))).post(Endpoints.CHUNK_BATCH).then()
                .statusCode(400).body("error", oneOf("bad-compression", "too-large", "truncated"));
        head(text, 404);
    }

    @Test
    void theWelcomeNamesTheCodecsForProtocol3AndNothingForOlderWatchers() throws Exception {
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(Message.VERSION, "coded-3", ChunkerParams.DEFAULT, "nope", 0));
            assertEquals(List.of("zstd"), c.next(Message.Welcome.class).chunkCodecs());
        }
        try (WsClient c = WsClient.connect(sync, null)) {
            c.send(new Message.Hello(2, "coded-2", ChunkerParams.DEFAULT, "nope", 0));
            assertNull(c.next(Message.Welcome.class).chunkCodecs());
        }
        given().contentType("application/x-ferry-chunks-3").body(zstdRecord(text(6))).post(Endpoints.CHUNK_BATCH)
                .then().statusCode(415).body("error", equalTo("unsupported-media-type"))
                .body("message", startsWith("a chunk batch is "));
    }
}
