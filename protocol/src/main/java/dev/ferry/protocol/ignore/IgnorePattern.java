package dev.ferry.protocol.ignore;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One line of an ignore file as git's {@code dir.c} reads and matches it ({@code parse_path_pattern},
 * {@code match_basename}, {@code match_pathname}), on UTF-8 bytes.
 */
final class IgnorePattern {
    private final byte[] pattern;
    private final int length;
    /** The literal bytes before the first glob character: git compares them plainly, then wildmatches the rest. */
    private final int prefix;
    private final boolean negative;
    private final boolean mustBeDir;
    /** No slash but a trailing one: matched against the last name only, at any depth. */
    private final boolean noDir;
    /** "*" and then a literal ("*.log"): git's ENDSWITH shortcut, a suffix comparison. */
    private final boolean endsWith;

    private IgnorePattern(byte[] pattern, int length, int prefix, boolean negative, boolean mustBeDir, boolean noDir) {
        this.pattern = pattern;
        this.length = length;
        this.prefix = prefix;
        this.negative = negative;
        this.mustBeDir = mustBeDir;
        this.noDir = noDir;
        boolean literalTail = length > 0 && pattern[0] == '*';
        for (int i = 1; literalTail && i < length; i++) {
            literalTail = !isGlobSpecial(pattern[i]);
        }
        this.endsWith = literalTail;
    }

    boolean negative() {
        return negative;
    }

    /**
     * The patterns of one ignore file's text, in file order, as git's {@code add_patterns_from_buffer} reads them:
     * a leading UTF-8 BOM skipped, lines split on LF with one CR before it dropped, blank lines and lines starting
     * with '#' skipped, trailing spaces trimmed unless escaped. Never fails; a pattern that can match nothing is kept
     * (it matches nothing, as in git).
     */
    static List<IgnorePattern> parse(String text) {
        List<IgnorePattern> out = new ArrayList<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        if (text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int end = nl < 0 ? text.length() : nl;
            if (end > start && text.charAt(start) != '#') {
                int lineEnd = end > start && text.charAt(end - 1) == '\r' ? end - 1 : end;
                String line = text.substring(start, lineEnd);
                int nul = line.indexOf('\0');
                if (nul >= 0) {
                    line = line.substring(0, nul); // git reads the line as a C string
                }
                IgnorePattern p = of(trimTrailingSpaces(line));
                if (p != null) {
                    out.add(p);
                }
            }
            start = end + 1;
        }
        return out;
    }

    /** git's {@code trim_trailing_spaces}: drops the trailing run of spaces unless a backslash escapes its first. */
    static String trimTrailingSpaces(String line) {
        int lastSpace = -1;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ') {
                if (lastSpace < 0) {
                    lastSpace = i;
                }
            } else if (c == '\\') {
                i++;
                if (i >= line.length()) {
                    return line;
                }
                lastSpace = -1;
            } else {
                lastSpace = -1;
            }
        }
        return lastSpace < 0 ? line : line.substring(0, lastSpace);
    }

    private static IgnorePattern of(String line) {
        boolean negative = false;
        if (line.startsWith("!")) {
            negative = true;
            line = line.substring(1);
        }
        byte[] p = line.getBytes(StandardCharsets.UTF_8);
        int len = p.length;
        if (len == 0) {
            return null; // git keeps it, and an empty pattern matches no name
        }
        boolean mustBeDir = false;
        if (p[len - 1] == '/') {
            len--;
            mustBeDir = true;
        }
        boolean noDir = true;
        for (int i = 0; i < len; i++) {
            if (p[i] == '/') {
                noDir = false;
                break;
            }
        }
        int prefix = 0;
        while (prefix < p.length && !isGlobSpecial(p[prefix])) {
            prefix++;
        }
        prefix = Math.min(prefix, len);
        return new IgnorePattern(p, len, prefix, negative, mustBeDir, noDir);
    }

    private static boolean isGlobSpecial(byte c) {
        return c == '*' || c == '?' || c == '[' || c == '\\';
    }

    /**
     * Whether this pattern, read from the ignore file whose folder is {@code path[0, baseLen)} (0: the top),
     * matches {@code path[0, pathLen)}; {@code nameStart} is where its last name begins. The caller only asks for
     * paths below that folder.
     */
    boolean matches(byte[] path, int pathLen, int nameStart, int baseLen, boolean directory) {
        if (mustBeDir && !directory) {
            return false;
        }
        if (noDir) {
            return matchBasename(path, nameStart, pathLen);
        }
        return matchPathname(path, pathLen, baseLen);
    }

    private boolean matchBasename(byte[] path, int nameStart, int pathLen) {
        int nameLen = pathLen - nameStart;
        if (prefix == length) {
            return nameLen == length && regionEquals(pattern, 0, path, nameStart, length);
        }
        if (endsWith) {
            int tail = length - 1;
            return tail <= nameLen && regionEquals(pattern, 1, path, pathLen - tail, tail);
        }
        return WildMatch.matches(pattern, 0, length, path, nameStart, pathLen, 0);
    }

    private boolean matchPathname(byte[] path, int pathLen, int baseLen) {
        int pat = 0;
        int patLen = length;
        int pre = prefix;
        if (pattern[0] == '/') {
            pat++;
            patLen--;
            pre--;
        }
        int name = baseLen == 0 ? 0 : baseLen + 1;
        if (name > pathLen) {
            return false;
        }
        int nameLen = pathLen - name;
        if (pre > 0) {
            if (pre > nameLen || !regionEquals(pattern, pat, path, name, pre)) {
                return false;
            }
            pat += pre;
            patLen -= pre;
            name += pre;
            nameLen -= pre;
            if (patLen == 0 && nameLen == 0) {
                return true;
            }
        }
        // As in git, the rest after the literal prefix is a pattern of its own (a "**" right after it counts as
        // after a slash).
        return WildMatch.matches(pattern, pat, pat + patLen, path, name, pathLen, WildMatch.PATHNAME);
    }

    private static boolean regionEquals(byte[] a, int aFrom, byte[] b, int bFrom, int len) {
        for (int i = 0; i < len; i++) {
            if (a[aFrom + i] != b[bFrom + i]) {
                return false;
            }
        }
        return true;
    }
}
