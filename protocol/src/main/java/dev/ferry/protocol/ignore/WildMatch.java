package dev.ferry.protocol.ignore;

/**
 * git's {@code wildmatch.c} on UTF-8 bytes, as git runs it for ignore rules (case-sensitive): {@code ?} is one
 * byte, {@code [...]} compares bytes, {@code **} spans folders only when it stands between slashes (or at an end)
 * and {@link #PATHNAME} is set. A port rather than a regex so every corner (unclosed brackets, {@code [:class:]},
 * escapes inside brackets, the {@code **}-abort shortcut) behaves as git's does.
 */
final class WildMatch {
    /** {@code *} and {@code ?} do not match '/', {@code **} between slashes spans folders. */
    static final int PATHNAME = 1;

    private static final int MATCH = 0;
    private static final int NOMATCH = 1;
    private static final int ABORT_ALL = -1;
    private static final int ABORT_TO_STARSTAR = -2;
    private static final int END = -1;

    private final byte[] pat;
    private final int patEnd;
    private final byte[] text;
    private final int textEnd;
    private final int flags;

    private WildMatch(byte[] pat, int patEnd, byte[] text, int textEnd, int flags) {
        this.pat = pat;
        this.patEnd = patEnd;
        this.text = text;
        this.textEnd = textEnd;
        this.flags = flags;
    }

    /**
     * Whether {@code pat[pFrom, pTo)} matches {@code text[tFrom, tTo)} as git's {@code wildmatch()} decides. As in
     * git, a (recursive) match's pattern starts where it is called: a {@code **} there counts as after a slash.
     */
    static boolean matches(byte[] pat, int pFrom, int pTo, byte[] text, int tFrom, int tTo, int flags) {
        return new WildMatch(pat, pTo, text, tTo, flags).dowild(pFrom, pFrom, tFrom) == MATCH;
    }

    private int p(int i) {
        return i < patEnd ? pat[i] & 0xff : END;
    }

    private int t(int i) {
        return i < textEnd ? text[i] & 0xff : END;
    }

    private boolean textHasSlash(int from) {
        for (int i = from; i < textEnd; i++) {
            if (text[i] == '/') {
                return true;
            }
        }
        return false;
    }

    private int dowild(int p, int patternStart, int tx) {
        boolean pathname = (flags & PATHNAME) != 0;
        for (; p(p) != END; tx++, p++) {
            int pCh = p(p);
            int tCh = t(tx);
            if (tCh == END && pCh != '*') {
                return ABORT_ALL;
            }
            switch (pCh) {
                case '\\':
                    // A literal match of the next character; at the end of the pattern nothing matches it.
                    p++;
                    if (tCh != p(p)) {
                        return NOMATCH;
                    }
                    continue;
                case '?':
                    if (pathname && tCh == '/') {
                        return NOMATCH;
                    }
                    continue;
                case '*': {
                    boolean matchSlash;
                    if (p(++p) == '*') {
                        int prevP = p - 2;
                        while (p(++p) == '*') {
                            // skip the run of stars
                        }
                        if ((prevP < patternStart || p(prevP) == '/')
                                && (p(p) == END || p(p) == '/' || (p(p) == '\\' && p(p + 1) == '/'))) {
                            // "foo/**/bar" matches "foo/bar" too: try "**/" as matching nothing first.
                            if (p(p) == '/' && dowild(p + 1, p + 1, tx) == MATCH) {
                                return MATCH;
                            }
                            matchSlash = true;
                        } else {
                            matchSlash = false;
                        }
                    } else {
                        matchSlash = !pathname;
                    }
                    if (p(p) == END) {
                        // A trailing "**" matches everything, a trailing "*" only what has no more slash.
                        return !matchSlash && textHasSlash(tx) ? NOMATCH : MATCH;
                    } else if (!matchSlash && p(p) == '/') {
                        // One star followed by a slash matches the rest of this folder's name.
                        int slash = -1;
                        for (int i = tx; i < textEnd; i++) {
                            if (text[i] == '/') {
                                slash = i;
                                break;
                            }
                        }
                        if (slash < 0) {
                            return NOMATCH;
                        }
                        tx = slash;
                        break; // the loop's increments consume the slash on both sides
                    }
                    while (true) {
                        if (tCh == END) {
                            break;
                        }
                        int next = p(p);
                        if (!isGlobSpecial(next)) {
                            // Skip ahead to the next occurrence of the literal after the star.
                            while ((tCh = t(tx)) != END && (matchSlash || tCh != '/')) {
                                if (tCh == next) {
                                    break;
                                }
                                tx++;
                            }
                            if (tCh != next) {
                                return NOMATCH;
                            }
                        }
                        int matched = dowild(p, p, tx);
                        if (matched != NOMATCH) {
                            if (!matchSlash || matched != ABORT_TO_STARSTAR) {
                                return matched;
                            }
                        } else if (!matchSlash && tCh == '/') {
                            return ABORT_TO_STARSTAR;
                        }
                        tCh = t(++tx);
                    }
                    return ABORT_ALL;
                }
                case '[': {
                    pCh = p(++p);
                    if (pCh == '^') {
                        pCh = '!';
                    }
                    boolean negated = pCh == '!';
                    if (negated) {
                        pCh = p(++p);
                    }
                    int prevCh = 0;
                    boolean matched = false;
                    do {
                        if (pCh == END) {
                            return ABORT_ALL;
                        }
                        if (pCh == '\\') {
                            pCh = p(++p);
                            if (pCh == END) {
                                return ABORT_ALL;
                            }
                            if (tCh == pCh) {
                                matched = true;
                            }
                        } else if (pCh == '-' && prevCh != 0 && p(p + 1) != END && p(p + 1) != ']') {
                            pCh = p(++p);
                            if (pCh == '\\') {
                                pCh = p(++p);
                                if (pCh == END) {
                                    return ABORT_ALL;
                                }
                            }
                            if (tCh <= pCh && tCh >= prevCh) {
                                matched = true;
                            }
                            pCh = 0; // so that prevCh becomes 0: no range right after a range
                        } else if (pCh == '[' && p(p + 1) == ':') {
                            int s = p += 2;
                            while ((pCh = p(p)) != END && pCh != ']') {
                                p++;
                            }
                            if (pCh == END) {
                                return ABORT_ALL;
                            }
                            int len = p - s - 1;
                            if (len < 0 || p(p - 1) != ':') {
                                // No ":]": a plain '[' in the set.
                                p = s - 2;
                                pCh = '[';
                                if (tCh == pCh) {
                                    matched = true;
                                }
                                continue;
                            }
                            int cls = charClass(s, len);
                            if (cls < 0) {
                                return ABORT_ALL; // a malformed [:class:]
                            }
                            if (inClass(cls, tCh)) {
                                matched = true;
                            }
                            pCh = 0;
                        } else if (tCh == pCh) {
                            matched = true;
                        }
                    } while (nextInSet(prevCh = pCh) && (pCh = p(++p)) != ']');
                    if (matched == negated || (pathname && tCh == '/')) {
                        return NOMATCH;
                    }
                    continue;
                }
                default:
                    if (tCh != pCh) {
                        return NOMATCH;
                    }
            }
        }
        return tx < textEnd ? NOMATCH : MATCH;
    }

    /** Always true: lets the do/while assign {@code prevCh} before reading the next set character, as C's comma does. */
    private static boolean nextInSet(int ignored) {
        return true;
    }

    private static boolean isGlobSpecial(int c) {
        return c == '*' || c == '?' || c == '[' || c == '\\';
    }

    private static final String[] CLASSES = {
        "alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "xdigit"
    };

    private int charClass(int from, int len) {
        outer:
        for (int c = 0; c < CLASSES.length; c++) {
            String name = CLASSES[c];
            if (name.length() != len) {
                continue;
            }
            for (int i = 0; i < len; i++) {
                if (p(from + i) != name.charAt(i)) {
                    continue outer;
                }
            }
            return c;
        }
        return -1;
    }

    /** git's own ctype (ASCII only; a byte of a multi-byte character is in no class). */
    private static boolean inClass(int cls, int c) {
        if (c < 0 || c >= 0x80) {
            return false;
        }
        boolean upper = c >= 'A' && c <= 'Z';
        boolean lower = c >= 'a' && c <= 'z';
        boolean digit = c >= '0' && c <= '9';
        boolean print = c >= 0x20 && c < 0x7f;
        boolean space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        return switch (cls) {
            case 0 -> upper || lower || digit;
            case 1 -> upper || lower;
            case 2 -> c == ' ' || c == '\t';
            case 3 -> c < 0x20 || c == 0x7f;
            case 4 -> digit;
            case 5 -> print && c != ' ';
            case 6 -> lower;
            case 7 -> print;
            case 8 -> print && c != ' ' && !upper && !lower && !digit;
            case 9 -> space;
            case 10 -> upper;
            case 11 -> digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            default -> false;
        };
    }
}
