package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.ferry.chunker.ChunkHash;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * One entry of the tree as the watcher saw it.
 *
 * @param path    relative path, see {@link RelativePaths}
 * @param type    file, directory or symlink
 * @param mode    permission bits (07777), exec bit included; 0 for symlinks
 * @param mtimeNs modification time in nanoseconds since the epoch
 * @param size    file size in bytes (0 for directories and symlinks)
 * @param chunks  a file's chunks in order (empty for an empty file, a directory or a symlink)
 * @param target  a symlink's target, verbatim; null otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(String path, EntryType type, int mode, long mtimeNs, long size,
                       @JsonSerialize(using = ChunkListCodec.Serializer.class)
                       @JsonDeserialize(using = ChunkListCodec.Deserializer.class)
                       List<ChunkRef> chunks,
                       String target) {

    public Manifest {
        if (type == null) {
            throw new IllegalArgumentException("manifest type is required");
        }
        chunks = chunks == null ? List.of() : List.copyOf(chunks);
        if (type != EntryType.FILE && !chunks.isEmpty()) {
            throw new IllegalArgumentException("only files have chunks");
        }
        if (type == EntryType.SYMLINK && (target == null || target.isEmpty() || target.indexOf('\0') >= 0)) {
            throw new IllegalArgumentException("a symlink needs a non-empty target without NUL");
        }
        if (type != EntryType.SYMLINK && target != null) {
            throw new IllegalArgumentException("only symlinks have a target");
        }
        if (size < 0 || mode < 0 || mode > 07777) {
            throw new IllegalArgumentException("size and mode out of range");
        }
        if (type == EntryType.FILE) {
            long sum = 0;
            for (ChunkRef c : chunks) {
                sum += c.length();
            }
            if (sum != size) {
                throw new IllegalArgumentException("chunk lengths add up to " + sum + ", not the file size " + size);
            }
        }
    }

    public static Manifest file(String path, int mode, long mtimeNs, long size, List<ChunkRef> chunks) {
        return new Manifest(path, EntryType.FILE, mode, mtimeNs, size, chunks, null);
    }

    public static Manifest directory(String path, int mode, long mtimeNs) {
        return new Manifest(path, EntryType.DIRECTORY, mode, mtimeNs, 0, List.of(), null);
    }

    public static Manifest symlink(String path, long mtimeNs, String target) {
        return new Manifest(path, EntryType.SYMLINK, 0, mtimeNs, 0, List.of(), target);
    }

    /** The same entry under another path. */
    public Manifest withPath(String newPath) {
        return new Manifest(newPath, type, mode, mtimeNs, size, chunks, target);
    }

    /**
     * A 128-bit name for everything but the path: type, mode, mtime, size, chunk list, target. Equal digests mean
     * the store need not touch the entry; a move keeps the digest.
     */
    @JsonIgnore
    public String digest() {
        MessageDigest md = ChunkHash.newDigest();
        ByteBuffer head = ByteBuffer.allocate(1 + 4 + 8 + 8 + 4);
        head.put((byte) type.ordinal()).putInt(mode).putLong(mtimeNs).putLong(size).putInt(chunks.size());
        md.update(head.array());
        byte[] hash = new byte[ChunkHash.LENGTH];
        ByteBuffer len = ByteBuffer.allocate(4);
        for (ChunkRef c : chunks) {
            c.hash().copyTo(hash, 0);
            md.update(hash);
            md.update(len.clear().putInt(c.length()).array());
        }
        if (target != null) {
            md.update(target.getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest(), 0, 16);
    }

    /**
     * The digest of the content alone: type, size, chunk list and target, without mode and mtime. Two entries with
     * equal content digests but different {@link #digest()}s differ in metadata only.
     */
    @JsonIgnore
    public String contentDigest() {
        return withMetadata(0, 0).digest();
    }

    private Manifest withMetadata(int newMode, long newMtimeNs) {
        return new Manifest(path, type, newMode, newMtimeNs, size, chunks, target);
    }
}
