package dev.ferry.protocol;

import java.util.List;

/**
 * How a chunk's bytes travel in a coded upload record ({@link Endpoints#CHUNK_BATCH_CODED_TYPE}): as they are, or
 * compressed. {@link #id()} is the byte in the record header, {@link #wireName()} the name a store lists in
 * {@code welcome.chunkCodecs}.
 */
public enum ChunkCodec {
    /** The raw bytes. Every store that takes coded records takes this one. */
    NONE(0, "none"),
    /** A zstd frame (RFC 8878) of the raw bytes, from aircompressor's pure-Java compressor. */
    ZSTD(1, "zstd");

    /** The codecs this build's store decodes, as it lists them in its welcome ({@link #NONE} goes without saying). */
    public static final List<String> DECODED = List.of(ZSTD.wireName());

    private final int id;
    private final String wireName;

    ChunkCodec(int id, String wireName) {
        this.id = id;
        this.wireName = wireName;
    }

    public int id() {
        return id;
    }

    public String wireName() {
        return wireName;
    }

    /** The codec of a record header's byte, null when it names none this build knows. */
    public static ChunkCodec ofId(int id) {
        for (ChunkCodec c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        return null;
    }
}
