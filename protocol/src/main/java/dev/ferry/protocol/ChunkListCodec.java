package dev.ferry.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Packs a chunk list as one base64 string of (32-byte hash, 4-byte big-endian length) records: 48 characters a
 * chunk instead of about 85 as JSON objects, which matters because manifests of large files are resent on edits.
 */
public final class ChunkListCodec {
    /** Bytes of one packed chunk record: the hash, then the length as a big-endian int. */
    public static final int RECORD = ChunkHash.LENGTH + 4;

    private ChunkListCodec() {
    }

    public static String encode(List<ChunkRef> chunks) {
        return Base64.getEncoder().encodeToString(pack(chunks));
    }

    public static List<ChunkRef> decode(String text) {
        return unpack(Base64.getDecoder().decode(text));
    }

    /** The chunk list as 36-byte records, also the compact form to keep many lists in memory. */
    public static byte[] pack(List<ChunkRef> chunks) {
        ByteBuffer buf = ByteBuffer.allocate(chunks.size() * RECORD);
        byte[] hash = new byte[ChunkHash.LENGTH];
        for (ChunkRef c : chunks) {
            c.hash().copyTo(hash, 0);
            buf.put(hash).putInt(c.length());
        }
        return buf.array();
    }

    public static List<ChunkRef> unpack(byte[] raw) {
        if (raw.length % RECORD != 0) {
            throw new IllegalArgumentException("chunk list length is not a multiple of " + RECORD + " bytes");
        }
        ByteBuffer buf = ByteBuffer.wrap(raw);
        List<ChunkRef> out = new ArrayList<>(raw.length / RECORD);
        byte[] hash = new byte[ChunkHash.LENGTH];
        while (buf.hasRemaining()) {
            buf.get(hash);
            out.add(new ChunkRef(ChunkHash.of(hash), buf.getInt()));
        }
        return out;
    }

    /** Packs bare hashes (32 bytes each) as base64, for the store's list of missing chunks. */
    public static String encodeHashes(List<ChunkHash> hashes) {
        byte[] raw = new byte[hashes.size() * ChunkHash.LENGTH];
        for (int i = 0; i < hashes.size(); i++) {
            hashes.get(i).copyTo(raw, i * ChunkHash.LENGTH);
        }
        return Base64.getEncoder().encodeToString(raw);
    }

    public static List<ChunkHash> decodeHashes(String text) {
        byte[] raw = Base64.getDecoder().decode(text);
        if (raw.length % ChunkHash.LENGTH != 0) {
            throw new IllegalArgumentException("hash list length is not a multiple of 32 bytes");
        }
        List<ChunkHash> out = new ArrayList<>(raw.length / ChunkHash.LENGTH);
        byte[] hash = new byte[ChunkHash.LENGTH];
        for (int off = 0; off < raw.length; off += ChunkHash.LENGTH) {
            System.arraycopy(raw, off, hash, 0, ChunkHash.LENGTH);
            out.add(ChunkHash.of(hash));
        }
        return out;
    }

    /** Jackson adapter for manifest chunk lists. */
    public static final class Serializer extends JsonSerializer<List<ChunkRef>> {
        @Override
        public void serialize(List<ChunkRef> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(encode(value));
        }
    }

    /** Jackson adapter for manifest chunk lists. */
    public static final class Deserializer extends JsonDeserializer<List<ChunkRef>> {
        @Override
        public List<ChunkRef> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return decode(text == null ? "" : text);
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, "bad chunk list: " + e.getMessage(), text, List.class);
            }
        }
    }

    /** Jackson adapter for packed hash lists. */
    public static final class HashesSerializer extends JsonSerializer<List<ChunkHash>> {
        @Override
        public void serialize(List<ChunkHash> value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(encodeHashes(value));
        }
    }

    /** Jackson adapter for packed hash lists. */
    public static final class HashesDeserializer extends JsonDeserializer<List<ChunkHash>> {
        @Override
        public List<ChunkHash> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String text = p.getValueAsString();
            try {
                return decodeHashes(text == null ? "" : text);
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, "bad hash list: " + e.getMessage(), text, List.class);
            }
        }
    }
}
