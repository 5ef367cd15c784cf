package dev.ferry.protocol;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Converts between file system paths and wire paths (UTF-8 strings) whatever the process locale.
 *
 * <p>The JDK turns file names into strings with the locale's charset ({@code sun.jnu.encoding}); under LANG=C
 * that is ASCII, so "é" becomes "?" and a path with it cannot even be built. A {@code file:} URI, though,
 * carries a path's raw bytes percent-encoded in both directions ({@link Path#toUri()} and
 * {@link Path#of(URI)}), so this class goes through one whenever the locale is not UTF-8.
 */
public final class FileNames {
    private static final boolean UTF8_LOCALE = isUtf8(System.getProperty("sun.jnu.encoding"));

    private FileNames() {
    }

    static boolean isUtf8(String charset) {
        return charset != null && (charset.equalsIgnoreCase("UTF-8") || charset.equalsIgnoreCase("UTF8"));
    }

    /** True when names need no URI detour in this process. */
    public static boolean utf8Locale() {
        return UTF8_LOCALE;
    }

    /**
     * The wire path of {@code child}, which lies below the absolute, normalized {@code root}.
     *
     * @throws CharacterCodingException when the name's bytes are not valid UTF-8 (it cannot be mirrored by name)
     */
    public static String relative(Path root, Path child) throws CharacterCodingException {
        Path rel = root.relativize(child);
        if (UTF8_LOCALE) {
            return rel.toString();
        }
        StringBuilder sb = new StringBuilder();
        for (Path segment : rel) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(name(segment));
        }
        return sb.toString();
    }

    /** The UTF-8 text of one name (a one-segment path), whatever the locale. */
    public static String name(Path segment) throws CharacterCodingException {
        if (UTF8_LOCALE) {
            return segment.toString();
        }
        // toUri() makes the path absolute and may append '/' for a directory: take only the last segment.
        String raw = segment.toAbsolutePath().toUri().getRawPath();
        if (raw.endsWith("/") && raw.length() > 1) {
            raw = raw.substring(0, raw.length() - 1);
        }
        raw = raw.substring(raw.lastIndexOf('/') + 1);
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(percentDecode(raw))).toString();
    }

    /** {@code root} joined with the wire path {@code relative} (which must already obey {@link RelativePaths}). */
    public static Path resolve(Path root, String relative) {
        if (UTF8_LOCALE) {
            return root.resolve(relative);
        }
        String base = root.toAbsolutePath().toUri().getRawPath();
        StringBuilder sb = new StringBuilder(base);
        if (!base.endsWith("/")) {
            sb.append('/');
        }
        for (byte b : relative.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '/' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '_' || c == '.' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        try {
            return Path.of(new URI("file://" + sb));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("cannot build a path for " + RelativePaths.printable(relative), e);
        }
    }

    /**
     * A symlink's target (as {@link java.nio.file.Files#readSymbolicLink} returns it) as UTF-8 text, whatever the
     * locale, segment by segment so that ".." and relative targets stay verbatim.
     *
     * @throws CharacterCodingException when the target's bytes are not valid UTF-8
     */
    public static String linkTarget(Path target) throws CharacterCodingException {
        if (UTF8_LOCALE) {
            String text = target.toString();
            if (text.indexOf('\uFFFD') >= 0 && !Path.of(text).equals(target)) {
                throw new CharacterCodingException();
            }
            return text;
        }
        StringBuilder sb = new StringBuilder(target.isAbsolute() ? "/" : "");
        for (Path segment : target) {
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != '/') {
                sb.append('/');
            }
            sb.append(name(segment));
        }
        return sb.toString();
    }

    /** The path to pass to {@link java.nio.file.Files#createSymbolicLink} for a target received as text. */
    public static Path targetPath(String target) {
        if (UTF8_LOCALE) {
            return Path.of(target);
        }
        if (target.startsWith("/")) {
            return resolve(Path.of("/"), target.substring(1));
        }
        // Built under a one-segment base and cut off again: subpath() works on the raw names, so ".." survives.
        Path under = resolve(Path.of("/x"), target);
        return under.subpath(1, under.getNameCount());
    }

    private static byte[] percentDecode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%' && i + 2 < raw.length()) {
                out.write(Integer.parseInt(raw, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.write((byte) c);
            }
        }
        return out.toByteArray();
    }
}
