package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A file's chunk list written as edits of another chunk list the receiver already holds (protocol 2, the
 * {@code patch} change): runs copied from the base by position, and literal chunk records in between. An edit in
 * the middle of a 1 GiB file then costs a few dozen bytes instead of its 520 KB chunk list, and a rename or a copy
 * costs one copy run.
 *
 * <p>Format, a sequence of operations until the end: {@code 0x01 start count} copies {@code count} chunks of the
 * base from index {@code start}; {@code 0x02 count} is followed by {@code count} records of (32-byte hash, 4-byte
 * big-endian length). Numbers are unsigned LEB128 varints; every count is at least 1.
 */
public final class ChunkDelta {
    static final int COPY = 1;
    static final int LITERAL = 2;

    private ChunkDelta() {
    }

    /** Edits that turn {@code base} into {@code target}: greedy, linear, exact for any two lists. */
    public static byte[] encode(List<ChunkRef> base, List<ChunkRef> target) {
        Map<ChunkRef, Integer> firstAt = new HashMap<>(base.size() * 2);
        for (int i = base.size() - 1; i >= 0; i--) {
            firstAt.put(base.get(i), i);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        List<ChunkRef> literal = new ArrayList<>();
        int copyStart = -1;
        int copyCount = 0;
        for (ChunkRef c : target) {
            if (copyCount > 0 && copyStart + copyCount < base.size() && base.get(copyStart + copyCount).equals(c)) {
                copyCount++;
                continue;
            }
            Integer at = firstAt.get(c);
            if (copyCount > 0) {
                writeCopy(out, copyStart, copyCount);
                copyCount = 0;
            }
            if (at == null) {
                literal.add(c);
            } else {
                writeLiteral(out, literal);
                copyStart = at;
                copyCount = 1;
            }
        }
        if (copyCount > 0) {
            writeCopy(out, copyStart, copyCount);
        }
        writeLiteral(out, literal);
        return out.toByteArray();
    }

    /**
     * The chunk list {@code delta} describes over {@code base}, of at most {@code maxChunks} chunks: a copy run
     * costs a few bytes whatever its length, so without a bound one frame of repeated runs over a large base
     * would resolve to billions of chunks.
     *
     * @throws IllegalArgumentException when the delta is malformed, reaches outside the base or resolves to more
     *                                  than {@code maxChunks} chunks
     */
    public static List<ChunkRef> apply(List<ChunkRef> base, byte[] delta, int maxChunks) {
        ByteBuffer in = ByteBuffer.wrap(delta);
        List<ChunkRef> out = new ArrayList<>();
        byte[] hash = new byte[ChunkHash.LENGTH];
        while (in.hasRemaining()) {
            int op = in.get();
            if (op == COPY) {
                long start = varint(in);
                long count = varint(in);
                if (count < 1 || start + count > base.size()) {
                    throw new IllegalArgumentException("copy of chunks " + start + "+" + count + " outside a base of " + base.size());
                }
                refusePast(maxChunks, out.size() + count);
                out.addAll(base.subList((int) start, (int) (start + count)));
            } else if (op == LITERAL) {
                long count = varint(in);
                if (count < 1 || count > in.remaining() / ChunkListCodec.RECORD) {
                    throw new IllegalArgumentException("literal of " + count + " chunks does not fit the delta");
                }
                refusePast(maxChunks, out.size() + count);
                for (long i = 0; i < count; i++) {
                    in.get(hash);
                    out.add(new ChunkRef(ChunkHash.of(hash), in.getInt()));
                }
            } else {
                throw new IllegalArgumentException("unknown delta operation " + op);
            }
        }
        return out;
    }

    private static void refusePast(int maxChunks, long chunks) {
        if (chunks > maxChunks) {
            throw new IllegalArgumentException("the delta resolves to more than " + maxChunks + " chunks");
        }
    }

    private static void writeCopy(ByteArrayOutputStream out, int start, int count) {
        out.write(COPY);
        writeVarint(out, start);
        writeVarint(out, count);
    }

    private static void writeLiteral(ByteArrayOutputStream out, List<ChunkRef> literal) {
        if (literal.isEmpty()) {
            return;
        }
        out.write(LITERAL);
        writeVarint(out, literal.size());
        byte[] packed = ChunkListCodec.pack(literal);
        out.write(packed, 0, packed.length);
        literal.clear();
    }

    private static void writeVarint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long varint(ByteBuffer in) {
        long v = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!in.hasRemaining()) {
                throw new IllegalArgumentException("delta ends inside a number");
            }
            int b = in.get() & 0xff;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("number too long in delta");
    }
}
