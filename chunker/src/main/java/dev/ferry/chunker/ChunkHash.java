package dev.ferry.chunker;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/** The SHA-256 of a chunk's bytes: the only name a chunk is ever stored or requested under. */
public final class ChunkHash implements Comparable<ChunkHash> {
    public static final int LENGTH = 32;
    private static final HexFormat HEX = HexFormat.of();

    private final byte[] digest;

    private ChunkHash(byte[] digest) {
        this.digest = digest;
    }

    /** Wraps a 32-byte digest (copied). */
    public static ChunkHash of(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("a chunk hash has 32 bytes, got " + digest.length);
        }
        return new ChunkHash(digest.clone());
    }

    /** Parses 64 lower- or upper-case hex digits; anything else is an IllegalArgumentException. */
    public static ChunkHash parse(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            throw new IllegalArgumentException("a chunk hash is 64 hex digits");
        }
        try {
            return new ChunkHash(HEX.parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a chunk hash is 64 hex digits");
        }
    }

    /** True when {@code hex} is a well-formed hash, without throwing. */
    public static boolean isValid(String hex) {
        if (hex == null || hex.length() != 2 * LENGTH) {
            return false;
        }
        for (int i = 0; i < hex.length(); i++) {
            if (Character.digit(hex.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Hashes {@code len} bytes of {@code buf} from {@code off}. */
    public static ChunkHash compute(byte[] buf, int off, int len) {
        MessageDigest md = newDigest();
        md.update(buf, off, len);
        return new ChunkHash(md.digest());
    }

    /** Takes the digest a caller fed itself (so a stream can be hashed while it is copied). */
    public static ChunkHash finish(MessageDigest md) {
        return new ChunkHash(md.digest());
    }

    /** A fresh SHA-256 digest; the JDK's uses the CPU's SHA instructions where they exist. */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
        }
    }

    public String hex() {
        return HEX.formatHex(digest);
    }

    public byte[] toBytes() {
        return digest.clone();
    }

    /** Writes the 32 digest bytes into {@code dst} at {@code off}. */
    public void copyTo(byte[] dst, int off) {
        System.arraycopy(digest, 0, dst, off, LENGTH);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChunkHash other && Arrays.equals(digest, other.digest);
    }

    @Override
    public int hashCode() {
        // SHA-256 output is uniform: its first four bytes are a perfect hash code.
        return (digest[0] & 0xff) << 24 | (digest[1] & 0xff) << 16 | (digest[2] & 0xff) << 8 | (digest[3] & 0xff);
    }

    @Override
    public int compareTo(ChunkHash o) {
        return Arrays.compareUnsigned(digest, o.digest);
    }

    @Override
    public String toString() {
        return hex();
    }
}
