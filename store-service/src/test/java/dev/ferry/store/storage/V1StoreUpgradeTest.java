package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Endpoints;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.RootDigest;
import dev.ferry.protocol.Wire;
import dev.ferry.store.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store folder made by an older version (one file per chunk under {@code .ferry/chunks/ab/<hash>}, the index as
 * the JSON-lines journal {@code .ferry/index.log}) upgrades in place when today's store starts on it.
 */
@QuarkusTest
@TestProfile(V1StoreUpgradeTest.V1Layout.class)
class V1StoreUpgradeTest {
    static final long MTIME_NS = 1_700_000_000_000_000_000L;
    /** The mirror's one file: two chunks, both held by DEST/data/a.bin. */
    static final TestData.FileData MIRRORED = file(1);
    /** A file whose bytes in DEST changed (same size and mtime) while the older store was down. */
    static final TestData.FileData CHANGED = file(2);
    /** An older version's chunk that no mirror file holds. */
    static final byte[] OLD_VERSION = seeded(3, 20_000);
    static final Manifest DIR = Manifest.directory("data", 0755, MTIME_NS);
    static final Manifest FILE = MIRRORED.manifest("data/a.bin", 0644, MTIME_NS);
    static final Manifest CHANGED_FILE = CHANGED.manifest("data/b.bin", 0644, MTIME_NS);

    /** DEST as an older store left it. */
    public static class V1Layout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dest = Files.createTempDirectory("ferry-store-v1-upgrade-");
                Path data = Files.createDirectory(dest.resolve("data"));
                byte[] rotted = CHANGED.bytes().clone();
                rotted[10] ^= 0x5a;
                writeMirrorFile(data.resolve("a.bin"), MIRRORED.bytes());
                writeMirrorFile(data.resolve("b.bin"), rotted);
                Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setLastModifiedTime(data, FileTime.from(MTIME_NS, TimeUnit.NANOSECONDS));
                Path chunks = Files.createDirectories(dest.resolve(".ferry/chunks"));
                for (byte[] piece : Stream.concat(MIRRORED.pieces().stream(), CHANGED.pieces().stream()).toList()) {
                    writeChunkFile(chunks, piece);
                }
                writeChunkFile(chunks, OLD_VERSION);
                StringBuilder journal = new StringBuilder();
                for (Manifest m : List.of(DIR, FILE, CHANGED_FILE)) {
                    journal.append(Wire.mapper().writeValueAsString(new MirrorIndex.JournalLine(m, null))).append('\n');
                }
                Files.writeString(dest.resolve(".ferry/index.log"), journal, StandardCharsets.UTF_8);
                return Map.of("ferry.store.dest", dest.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void writeMirrorFile(Path file, byte[] bytes) throws IOException {
            Files.write(file, bytes);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            Files.setLastModifiedTime(file, FileTime.from(MTIME_NS, TimeUnit.NANOSECONDS));
        }

        private static void writeChunkFile(Path chunks, byte[] bytes) throws IOException {
            String hex = TestData.hash(bytes).hex();
            Path fan = Files.createDirectories(chunks.resolve(hex.substring(0, 2)));
            Files.write(fan.resolve(hex), bytes);
        }
    }

    @Inject
    StoreLayout layout;
    @Inject
    MirrorIndex index;

    @Test
    void anOlderStoreFolderUpgradesInPlace() throws IOException {
        Path state = layout.stateDir();
        assertEquals(FILE, index.get("data/a.bin"), "the journal's entries are imported");
        assertEquals(DIR, index.get("data"));
        assertEquals(3, index.size());

        assertFalse(Files.exists(state.resolve("chunks")), ".ferry/chunks is removed");
        try (Stream<Path> all = Files.walk(state)) {
            List<Path> chunkFiles = all.filter(p -> ChunkHash.isValid(p.getFileName().toString())).toList();
            assertEquals(List.of(), chunkFiles, "no file per chunk is left");
        }
        assertTrue(packsHold(state, OLD_VERSION), "the chunk no mirror file holds is in a pack");
        assertTrue(packsHold(state, CHANGED.pieces().get(0)), "so is the chunk whose mirror region changed");
        assertFalse(packsHold(state, MIRRORED.pieces().get(0)), "a chunk the mirror holds is kept once, in the mirror");

        List<String> all = Stream.of(MIRRORED.pieces().stream(), CHANGED.pieces().stream(), Stream.of(OLD_VERSION))
                .flatMap(s -> s).map(b -> TestData.hash(b).hex()).toList();
        given().contentType("application/json").body(Map.of("chunks", all))
                .when().post(Endpoints.CHUNK_MISSING)
                .then().statusCode(200).body("missing", empty());

        // The changed file is rebuilt from the chunks the upgrade kept; then DEST is exactly the imported index.
        given().contentType("application/json").when().post(Endpoints.VERIFY + "?repair=true").then().statusCode(200).body("remaining", equalTo(0));
        assertArrayEquals(CHANGED.bytes(), Files.readAllBytes(layout.dest().resolve("data/b.bin")));
        given().contentType("application/json").when().post(Endpoints.VERIFY)
                .then().statusCode(200).body("remaining", equalTo(0)).body("corruptChunks", equalTo(0));
        Map<String, String> digests = new TreeMap<>();
        for (Manifest m : List.of(DIR, FILE, CHANGED_FILE)) {
            digests.put(m.path(), m.digest());
        }
        assertEquals(RootDigest.of(digests), index.rootDigest(), "a watcher holding the same tree is in sync");
    }

    /** Fixed bytes: the profile and the test see this class through different class loaders. */
    private static byte[] seeded(long seed, int size) {
        byte[] b = new byte[size];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    /** 100,000 bytes in two chunks (the store does not care where cuts are). */
    private static TestData.FileData file(long seed) {
        byte[] bytes = seeded(seed, 100_000);
        List<byte[]> pieces = List.of(Arrays.copyOfRange(bytes, 0, 60_000), Arrays.copyOfRange(bytes, 60_000, 100_000));
        return new TestData.FileData(bytes, pieces.stream().map(p -> new ChunkRef(TestData.hash(p), p.length)).toList(),
                pieces);
    }

    private static boolean packsHold(Path state, byte[] chunk) throws IOException {
        try (Stream<Path> s = Files.walk(state.resolve("packs"))) {
            for (Path p : s.filter(f -> f.toString().endsWith(".pack")).toList()) {
                byte[] all = Files.readAllBytes(p);
                for (int i = 0; i + chunk.length <= all.length; i++) {
                    if (Arrays.equals(all, i, i + chunk.length, chunk, 0, chunk.length)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
