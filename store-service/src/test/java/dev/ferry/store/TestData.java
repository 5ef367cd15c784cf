package dev.ferry.store;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkBatchFormat;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/** Random chunks, files cut into them, and chunk batch bodies. */
public final class TestData {
    private static final AtomicLong SEED = new AtomicLong(System.nanoTime());

    private TestData() {
    }

    public static byte[] random(int size) {
        byte[] b = new byte[size];
        new Random(SEED.incrementAndGet()).nextBytes(b);
        return b;
    }

    public static ChunkHash hash(byte[] data) {
        return ChunkHash.compute(data, 0, data.length);
    }

    /** A file's bytes with its chunk list (fixed-size pieces: the store does not care where cuts are). */
    public record FileData(byte[] bytes, List<ChunkRef> chunks, List<byte[]> pieces) {
        public Manifest manifest(String path, int mode, long mtimeNs) {
            return Manifest.file(path, mode, mtimeNs, bytes.length, chunks);
        }
    }

    public static FileData file(int size, int piece) {
        byte[] bytes = random(size);
        List<ChunkRef> refs = new ArrayList<>();
        List<byte[]> pieces = new ArrayList<>();
        for (int off = 0; off < size; off += piece) {
            int len = Math.min(piece, size - off);
            byte[] p = new byte[len];
            System.arraycopy(bytes, off, p, 0, len);
            pieces.add(p);
            refs.add(new ChunkRef(hash(p), len));
        }
        return new FileData(bytes, refs, pieces);
    }

    public static byte[] batch(List<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (byte[] c : chunks) {
                ChunkBatchFormat.writeRecord(out, hash(c), c, 0, c.length);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
