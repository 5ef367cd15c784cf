package dev.ferry.protocol;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.Locale;

/**
 * The rules every path on the wire obeys, checked by the store before it touches the disk: relative,
 * '/'-separated, normalized, no empty, "." or ".." segment, no NUL or control character, bounded length, and
 * never inside the store's own {@code .ferry/} folder, nor under a name some file system would take for it.
 *
 * <p>Names that are legal on Linux but not elsewhere ({@code CON}, {@code C:x}, {@code a\b}, trailing dots) are
 * accepted: refusing them would lose a user's files, and on the store they are plain names inside DEST. Such a
 * name on a file system that cannot hold it fails its item with {@code bad-path} when it is written.
 */
public final class RelativePaths {
    /** The store's own folder at the top of DEST; never part of the mirror. */
    public static final String STATE_DIR = ".ferry";
    public static final int MAX_NAME_BYTES = 255;
    public static final int MAX_PATH_BYTES = 4096;

    private RelativePaths() {
    }

    /** Returns {@code path} when it obeys the rules, else throws {@link ProtocolException} with code {@code bad-path}. */
    public static String check(String path) throws ProtocolException {
        String why = problem(path);
        if (why != null) {
            throw new ProtocolException(ErrorCode.BAD_PATH, why + ": " + printable(path));
        }
        return path;
    }

    public static boolean isValid(String path) {
        return problem(path) == null;
    }

    /** Why {@code path} breaks the rules, or null when it does not. */
    public static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "empty path";
        }
        if (path.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            return "path longer than " + MAX_PATH_BYTES + " bytes";
        }
        if (path.charAt(0) == '/') {
            return "absolute path";
        }
        int start = 0;
        boolean first = true;
        while (true) {
            int slash = path.indexOf('/', start);
            String segment = slash < 0 ? path.substring(start) : path.substring(start, slash);
            String why = segmentProblem(segment, first);
            if (why != null) {
                return why;
            }
            if (slash < 0) {
                return null;
            }
            start = slash + 1;
            first = false;
        }
    }

    private static String segmentProblem(String segment, boolean first) {
        if (segment.isEmpty()) {
            return "empty path segment";
        }
        if (segment.equals(".") || segment.equals("..")) {
            return "'" + segment + "' segment";
        }
        if (first && isStateDirAlias(segment)) {
            return "path inside the store's " + STATE_DIR + " folder";
        }
        if (segment.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "name longer than " + MAX_NAME_BYTES + " bytes";
        }
        for (int i = 0; i < segment.length(); i++) {
            char c = segment.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return c == 0 ? "NUL in path" : "control character in path";
            }
            if (Character.isSurrogate(c)) {
                boolean paired = Character.isHighSurrogate(c) && i + 1 < segment.length()
                        && Character.isLowSurrogate(segment.charAt(i + 1));
                if (!paired) {
                    return "unpaired surrogate in path";
                }
                i++;
            }
        }
        return null;
    }

    /**
     * True when a file system could take the top-level name {@code segment} for {@code .ferry}: case-insensitive
     * ones ({@code .FERRY}), those that ignore some invisible code points (HFS+: {@code .fe\u200Crry}), that
     * normalize compatibility forms or strip trailing dots and spaces ({@code \uFF0Eferry}, {@code .ferry.}), and
     * FAT/NTFS short names ({@code FERRY~1}). The same idea as git's refusal of {@code .git} look-alikes.
     */
    static boolean isStateDirAlias(String segment) {
        StringBuilder visible = new StringBuilder(segment.length());
        segment.codePoints().filter(cp -> !isIgnorable(cp)).forEach(visible::appendCodePoint);
        String folded = Normalizer.normalize(visible, Normalizer.Form.NFKC).toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
        int end = folded.length();
        while (end > 0 && (folded.charAt(end - 1) == '.' || folded.charAt(end - 1) == ' ')) {
            end--;
        }
        String name = folded.substring(0, end);
        return name.equals(STATE_DIR) || name.matches("ferry~[0-9]+");
    }

    /** Code points HFS+ ignores in names, and other default-ignorable format characters. */
    private static boolean isIgnorable(int cp) {
        return cp == 0x00AD || cp == 0x034F || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F);
    }

    /** The parent of a relative path, or null at the top. */
    public static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash < 0 ? null : path.substring(0, slash);
    }

    /** True when {@code path} is {@code ancestor} or lies below it. */
    public static boolean isUnder(String path, String ancestor) {
        return path.equals(ancestor) || (path.length() > ancestor.length() && path.startsWith(ancestor)
                && path.charAt(ancestor.length()) == '/');
    }

    /** {@code path} with its prefix {@code from} replaced by {@code to}; {@code path} must be under {@code from}. */
    public static String rebase(String path, String from, String to) {
        return path.equals(from) ? to : to + path.substring(from.length());
    }

    /** A path safe to print in a log line or an error: control characters escaped, long ones cut. */
    public static String printable(String path) {
        if (path == null) {
            return "(none)";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < path.length() && sb.length() < 300; i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() >= 300) {
            sb.append("...");
        }
        return sb.toString();
    }
}
