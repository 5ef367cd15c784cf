package dev.ferry.protocol.ignore;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A source's ignore rules, ready to match: what git would ignore with each {@code .ferryignore} as a
 * {@code .gitignore} and the command line's patterns as {@code .git/info/exclude}. Immutable and thread-safe.
 *
 * <p>Semantics are git's (checked against git itself by {@code IgnoreRulesGitOracleTest}): comments, blank lines,
 * trailing spaces unless escaped, {@code \} escapes, {@code !} negation, a leading or inner {@code /} anchors to the
 * file's folder, a trailing {@code /} matches folders only, {@code *} {@code ?} {@code [...]} never match '/',
 * {@code **} spans folders. Names are matched as UTF-8 bytes and case-sensitively, as git does on Linux (so
 * {@code ?} matches one byte of a multi-byte character, not the character).
 */
public final class IgnoreRules {
    public static final String FILE_NAME = ".ferryignore";

    private static final IgnoreRules NONE = new IgnoreRules(IgnoreSet.NONE);
    /** Bounds the memo of folder verdicts; cleared when full (a large tree costs re-matching, never memory). */
    private static final int MAX_MEMO = 65_536;

    private final IgnoreSet set;
    /** The patterns of each ignore file by its folder ("" for the top). */
    private final Map<String, List<IgnorePattern>> byDir;
    private final List<IgnorePattern> excludes;
    private final Map<String, Boolean> folderVerdicts = new ConcurrentHashMap<>();

    private IgnoreRules(IgnoreSet set) {
        this.set = set;
        Map<String, List<IgnorePattern>> dirs = new HashMap<>();
        for (IgnoreSet.IgnoreFile file : set.files()) {
            if (file == null) {
                continue;
            }
            List<IgnorePattern> patterns = IgnorePattern.parse(file.text());
            if (!patterns.isEmpty()) {
                // Two texts for one folder (which a checked set never has) are read one after the other.
                dirs.merge(file.dir() == null ? "" : file.dir(), patterns, (a, b) -> {
                    List<IgnorePattern> both = new java.util.ArrayList<>(a);
                    both.addAll(b);
                    return both;
                });
            }
        }
        this.byDir = Map.copyOf(dirs);
        StringBuilder lines = new StringBuilder();
        for (String pattern : set.excludes()) {
            if (pattern != null) {
                lines.append(pattern).append('\n');
            }
        }
        this.excludes = IgnorePattern.parse(lines.toString());
    }

    public static IgnoreRules none() {
        return NONE;
    }

    /** The rules of {@code set}; never throws on any text: lines git would skip are skipped. */
    public static IgnoreRules of(IgnoreSet set) {
        return set == null || set.isEmpty() ? NONE : new IgnoreRules(set);
    }

    public IgnoreSet set() {
        return set;
    }

    /** True when these rules ignore nothing because there are none. */
    public boolean isEmpty() {
        return byDir.isEmpty() && excludes.isEmpty();
    }

    /**
     * Whether git would ignore this entry (path relative to SOURCE, '/'-separated): the last matching rule wins,
     * a deeper .ferryignore before a shallower one, set.excludes() last (like .git/info/exclude); and an entry
     * below an ignored folder is ignored (no rule can re-include it, as in git). A link is not a folder here,
     * even one pointing at a folder (git does not follow it either).
     */
    public boolean ignored(String path, boolean directory) {
        if (isEmpty() || path == null || path.isEmpty()) {
            return false;
        }
        byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
        // An ignored folder ignores everything below it: check the ancestors top down, as git's prep_exclude does.
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '/' && folderIgnored(path, bytes, i)) {
                return true;
            }
        }
        return verdict(path, bytes, bytes.length, directory);
    }

    private boolean folderIgnored(String path, byte[] bytes, int len) {
        String folder = prefix(path, bytes, len);
        Boolean known = folderVerdicts.get(folder);
        if (known != null) {
            return known;
        }
        boolean ignored = verdict(path, bytes, len, true);
        if (folderVerdicts.size() >= MAX_MEMO) {
            folderVerdicts.clear();
        }
        folderVerdicts.put(folder, ignored);
        return ignored;
    }

    /** {@code path} up to the slash at byte {@code len} of its UTF-8 form {@code bytes}. */
    private static String prefix(String path, byte[] bytes, int len) {
        if (bytes.length == path.length()) {
            return path.substring(0, len); // ASCII: bytes and chars line up
        }
        return new String(bytes, 0, len, StandardCharsets.UTF_8);
    }

    /** The last matching pattern's verdict for {@code path[0, len)} alone (not its ancestors), or false. */
    private boolean verdict(String pathText, byte[] path, int len, boolean directory) {
        int nameStart = len;
        while (nameStart > 0 && path[nameStart - 1] != '/') {
            nameStart--;
        }
        // The files of the folders above the entry, deepest first: the folder holding it, ..., the top.
        for (int base = nameStart - 1; ; ) {
            int baseLen = Math.max(base, 0);
            List<IgnorePattern> patterns = byDir.get(baseLen == 0 ? "" : prefix(pathText, path, baseLen));
            if (patterns != null) {
                for (int i = patterns.size() - 1; i >= 0; i--) {
                    IgnorePattern p = patterns.get(i);
                    if (p.matches(path, len, nameStart, baseLen, directory)) {
                        return !p.negative();
                    }
                }
            }
            if (baseLen == 0) {
                break;
            }
            do {
                base--;
            } while (base > 0 && path[base] != '/');
        }
        for (int i = excludes.size() - 1; i >= 0; i--) {
            IgnorePattern p = excludes.get(i);
            if (p.matches(path, len, nameStart, 0, directory)) {
                return !p.negative();
            }
        }
        return false;
    }
}
