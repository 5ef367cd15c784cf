package dev.ferry.e2e;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Self-describing file contents for the torture tests: every version carries its file id, its version number,
 * its body length and, as a trailer, the SHA-256 of everything before the trailer. A reader can therefore tell a
 * complete version from a torn or mixed one without knowing which version it expects.
 *
 * <pre>
 * FERRY-TORTURE id=17 v=3 body=40960\n
 * ...body bytes...
 * \nsha256=&lt;64 hex&gt;\n
 * </pre>
 */
final class VersionedContent {
    static final String MAGIC = "FERRY-TORTURE ";
    private static final byte[] TRAILER = "\nsha256=".getBytes(StandardCharsets.US_ASCII);
    private static final int TRAILER_LEN = TRAILER.length + 64 + 1;

    private VersionedContent() {
    }

    static byte[] encode(long id, int version, byte[] body) {
        byte[] header = (MAGIC + "id=" + id + " v=" + version + " body=" + body.length + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[header.length + body.length + TRAILER_LEN];
        System.arraycopy(header, 0, out, 0, header.length);
        System.arraycopy(body, 0, out, header.length, body.length);
        int at = header.length + body.length;
        String hex = HexFormat.of().formatHex(sha256(out, at));
        byte[] trailer = ("\nsha256=" + hex + "\n").getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(trailer, 0, out, at, trailer.length);
        return out;
    }

    /** Null when {@code bytes} is one complete version, else what is wrong with it. */
    static String check(byte[] bytes) {
        if (bytes.length < MAGIC.length() + TRAILER_LEN) {
            return "only " + bytes.length + " bytes";
        }
        if (!new String(bytes, 0, MAGIC.length(), StandardCharsets.US_ASCII).equals(MAGIC)) {
            return "no header";
        }
        int at = bytes.length - TRAILER_LEN;
        if (!Arrays.equals(bytes, at, at + TRAILER.length, TRAILER, 0, TRAILER.length) || bytes[bytes.length - 1] != '\n') {
            return "no trailer (torn: cut short or grown)";
        }
        String hex = new String(bytes, at + TRAILER.length, 64, StandardCharsets.US_ASCII);
        String actual = HexFormat.of().formatHex(sha256(bytes, at));
        if (!hex.equals(actual)) {
            return "checksum mismatch (mixed versions): " + header(bytes);
        }
        String header = header(bytes);
        int body = header.indexOf(" body=");
        int headerLen = header.length() + 1;
        if (body < 0 || Long.parseLong(header.substring(body + 6)) != at - headerLen) {
            return "body length differs from its header: " + header;
        }
        return null;
    }

    static String header(byte[] bytes) {
        int nl = 0;
        while (nl < bytes.length && nl < 200 && bytes[nl] != '\n') {
            nl++;
        }
        return new String(bytes, 0, nl, StandardCharsets.US_ASCII);
    }

    private static byte[] sha256(byte[] b, int len) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b, 0, len);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
