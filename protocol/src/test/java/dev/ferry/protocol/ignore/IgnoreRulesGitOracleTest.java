package dev.ferry.protocol.ignore;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * git is the oracle of {@link IgnoreRules}: seeded random trees and rule sets (every feature of .gitignore,
 * several levels of ignore files, negations, patterns that exclude a parent) are written into a {@code git init}
 * repository, each {@code .ferryignore} as a {@code .gitignore} and the excludes as {@code .git/info/exclude}, and
 * git's verdict on every file and folder must be ours.
 *
 * <p>The verdict comes from {@code git check-ignore --no-index -z --stdin} (with literal pathspecs). It gives the
 * full verdict, including for paths below an ignored folder: it runs git's {@code last_matching_pattern}, whose
 * {@code prep_exclude} checks every parent folder first, and it stats each path, so folder-only patterns apply to
 * the folders on disk. As a check of that claim, every file's verdict is also compared with
 * {@code git ls-files -o -i --exclude-standard} (git's own walk of the tree, which lists every file below an
 * ignored folder); a disagreement there fails the test as an oracle problem.
 *
 * <p>Set {@code -Dferry.ignoreOracle.seed=N} to replay a seed, {@code -Dferry.ignoreOracle.cases=N} to run more.
 */
class IgnoreRulesGitOracleTest {

    private static final int CASES = Integer.getInteger("ferry.ignoreOracle.cases", 80);
    private static final long SEED = Long.getLong("ferry.ignoreOracle.seed", System.nanoTime());

    /** Names with the characters that trip matchers: dots, brackets, spaces, '#', '!', '*', unicode, a backslash. */
    private static final String[] NAMES = {
        "a", "b", "ab", "abc", "x.txt", "y.txt", "a.log", "build", "out", "node_modules", "doc", "src", ".hidden",
        ".env", "[ab]", "a[b]c", "file 1", "trail ", "#hash", "!bang", "star*", "q?", "é", "école", "日本",
        "a.b.c", "-dash", "]", "x]y", "lib", "foo", "bar", "Foo", "a b", "back\\slash", "caret^", "**", "q?x"
    };

    @Test
    void gitAgreesOnEveryFileAndFolder(@TempDir Path tmp) throws Exception {
        requireGit(tmp);
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo);
        git(repo, null, "init", "-q");
        Random random = new Random(SEED);
        List<String> mismatches = new ArrayList<>();
        int checked = 0;
        int ignored = 0;
        for (int c = 0; c < CASES && mismatches.size() < 20; c++) {
            Case k = Case.random(random);
            k.write(repo);
            Map<String, Boolean> paths = k.paths();
            Set<String> gitIgnored = checkIgnore(repo, paths.keySet());
            // The cross-check of the oracle on every fourth case: a git process per case costs the most here.
            Set<String> lsIgnoredFiles = c % 4 == 0 ? lsFilesIgnored(repo) : null;
            IgnoreRules rules = IgnoreRules.of(k.set());
            for (Map.Entry<String, Boolean> e : paths.entrySet()) {
                String path = e.getKey();
                boolean dir = e.getValue();
                boolean git = gitIgnored.contains(path);
                if (!dir && lsIgnoredFiles != null && git != lsIgnoredFiles.contains(path)) {
                    fail("oracle problem: git check-ignore and git ls-files -o -i disagree on " + path + "\n"
                            + k.describe(SEED, c));
                }
                boolean ours = rules.ignored(path, dir);
                checked++;
                ignored += git ? 1 : 0;
                if (ours != git) {
                    mismatches.add("path '" + path + "'" + (dir ? " (folder)" : "") + ": git "
                            + (git ? "ignores" : "keeps") + " it, IgnoreRules " + (ours ? "ignores" : "keeps") + " it\n"
                            + k.describe(SEED, c));
                }
            }
        }
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " mismatch(es) with git (replay with -Dferry.ignoreOracle.seed=" + SEED + "):\n"
                    + String.join("\n", mismatches));
        }
        System.out.println("IgnoreRulesGitOracleTest: seed " + SEED + ", " + CASES + " rule sets, " + checked
                + " verdicts (" + ignored + " ignored), all git's");
    }

    /** One random tree and rule set. */
    private record Case(Map<String, Boolean> tree, Map<String, String> ignoreFiles, List<String> excludes) {

        static Case random(Random r) {
            Map<String, Boolean> tree = new LinkedHashMap<>();
            List<String> folders = new ArrayList<>();
            folders.add("");
            grow(r, "", 0, tree, folders);
            Map<String, String> files = new LinkedHashMap<>();
            List<String> names = new ArrayList<>();
            for (String p : tree.keySet()) {
                names.add(p.substring(p.lastIndexOf('/') + 1));
            }
            int fileCount = 1 + r.nextInt(3);
            for (int i = 0; i < fileCount; i++) {
                String dir = i == 0 ? "" : folders.get(r.nextInt(folders.size()));
                files.merge(dir, Grammar.text(r, names, tree), (a, b) -> a + b);
            }
            List<String> excludes = new ArrayList<>();
            int ex = r.nextInt(3);
            for (int i = 0; i < ex; i++) {
                excludes.add(Grammar.line(r, names, tree));
            }
            return new Case(tree, files, excludes);
        }

        private static void grow(Random r, String dir, int depth, Map<String, Boolean> tree, List<String> folders) {
            int n = 3 + r.nextInt(depth == 0 ? 6 : 4);
            Set<String> used = new HashSet<>();
            for (int i = 0; i < n; i++) {
                String name = NAMES[r.nextInt(NAMES.length)];
                if (!used.add(name)) {
                    continue;
                }
                String path = dir.isEmpty() ? name : dir + "/" + name;
                boolean folder = depth < 3 && r.nextInt(5) < 2;
                tree.put(path, folder);
                if (folder) {
                    folders.add(path);
                    grow(r, path, depth + 1, tree, folders);
                }
            }
        }

        Map<String, Boolean> paths() {
            return tree;
        }

        IgnoreSet set() {
            List<IgnoreSet.IgnoreFile> files = new ArrayList<>();
            ignoreFiles.forEach((dir, text) -> files.add(new IgnoreSet.IgnoreFile(dir, text)));
            return new IgnoreSet(files, excludes);
        }

        void write(Path repo) throws IOException {
            try (Stream<Path> s = Files.list(repo)) {
                for (Path p : s.toList()) {
                    if (!p.getFileName().toString().equals(".git")) {
                        deleteTree(p);
                    }
                }
            }
            for (Map.Entry<String, Boolean> e : tree.entrySet()) {
                Path p = repo.resolve(e.getKey());
                if (e.getValue()) {
                    Files.createDirectories(p);
                } else {
                    Files.writeString(p, "x");
                }
            }
            for (Map.Entry<String, String> e : ignoreFiles.entrySet()) {
                Files.writeString(repo.resolve(e.getKey()).resolve(".gitignore"), e.getValue());
            }
            Files.writeString(repo.resolve(".git/info/exclude"), String.join("\n", excludes) + "\n");
        }

        String describe(long seed, int index) {
            StringBuilder b = new StringBuilder("  seed " + seed + ", case " + index + "\n");
            ignoreFiles.forEach((dir, text) -> b.append("  .ferryignore in '").append(dir).append("':\n")
                    .append(indent(text)));
            b.append("  excludes: ").append(excludes.stream().map(x -> "'" + x + "'").toList()).append('\n');
            b.append("  tree: ").append(new TreeSet<>(tree.keySet())).append('\n');
            return b.toString();
        }

        private static String indent(String text) {
            StringBuilder b = new StringBuilder();
            for (String line : text.split("\n", -1)) {
                b.append("    |").append(line.replace("\r", "\\r")).append("|\n");
            }
            return b.toString();
        }
    }

    /** Rule lines from a grammar that covers every feature of .gitignore, built from the tree's own names. */
    private static final class Grammar {

        static String text(Random r, List<String> names, Map<String, Boolean> tree) {
            StringBuilder b = new StringBuilder();
            int lines = 1 + r.nextInt(5);
            for (int i = 0; i < lines; i++) {
                switch (r.nextInt(14)) {
                    case 0 -> b.append("# a comment ").append(pick(r, names));
                    case 1 -> b.append(r.nextBoolean() ? "" : "   ");
                    default -> b.append(line(r, names, tree));
                }
                b.append(r.nextInt(10) == 0 ? "\r\n" : "\n");
            }
            return b.toString();
        }

        static String line(Random r, List<String> names, Map<String, Boolean> tree) {
            StringBuilder b = new StringBuilder();
            if (r.nextInt(4) == 0) {
                b.append('!');
            }
            int shape = r.nextInt(10);
            if (shape < 2) {
                // a path of the tree, anchored or not: patterns that exclude a parent, then negations below it
                List<String> paths = new ArrayList<>(tree.keySet());
                String p = paths.get(r.nextInt(paths.size()));
                String[] segs = p.split("/");
                int keep = 1 + r.nextInt(segs.length);
                for (int i = 0; i < keep; i++) {
                    if (i > 0) {
                        b.append('/');
                    }
                    b.append(segment(r, segs[i]));
                }
                if (r.nextBoolean()) {
                    b.insert(b.charAt(0) == '!' ? 1 : 0, '/');
                }
            } else {
                if (r.nextInt(4) == 0) {
                    b.append('/');
                }
                int segs = 1 + r.nextInt(3);
                for (int i = 0; i < segs; i++) {
                    if (i > 0) {
                        b.append('/');
                    }
                    b.append(r.nextInt(6) == 0 ? "**" : segment(r, pick(r, names)));
                }
                if (r.nextInt(8) == 0) {
                    b.insert(b.length() > 0 && b.charAt(0) == '!' ? 1 : 0, "**/");
                }
                if (r.nextInt(8) == 0) {
                    b.append("/**");
                }
            }
            if (r.nextInt(4) == 0) {
                b.append('/');
            }
            if (r.nextInt(8) == 0) {
                b.append(r.nextBoolean() ? "  " : "\\ ");
            }
            return b.toString();
        }

        /** One name, spelled literally (escaped where needed) or as a glob that matches it or a near neighbour. */
        private static String segment(Random r, String name) {
            String lit = escape(name);
            return switch (r.nextInt(13)) {
                case 0 -> "*";
                case 1 -> "*" + escape(name.substring(Math.min(name.length(), 1)));
                case 2 -> escape(name.substring(0, Math.min(name.length(), 2))) + "*";
                case 3 -> question(r, name);
                case 4 -> bracket(r, name);
                case 5 -> escape(name.substring(0, name.length() / 2)) + "**" + escape(name.substring(name.length() / 2));
                case 6 -> "[[:alpha:]]*";
                case 7 -> "*.*";
                case 8 -> lit + "**"; // git: after a literal prefix, "**" spans folders ("x/a**/c" matches x/ab/d/c)
                default -> lit;
            };
        }

        private static String question(Random r, String name) {
            if (name.isEmpty()) {
                return "?";
            }
            int i = r.nextInt(name.length());
            return escape(name.substring(0, i)) + "?" + escape(name.substring(i + 1));
        }

        private static String bracket(Random r, String name) {
            if (name.isEmpty()) {
                return "[a]";
            }
            int i = r.nextInt(name.length());
            char c = name.charAt(i);
            String set = switch (r.nextInt(5)) {
                case 0 -> "[" + c + "x]";
                case 1 -> "[!" + (char) (c + 1) + "]";
                case 2 -> "[^a-" + (char) (c + 1) + "]";
                case 3 -> "[" + (char) (c - 1) + "-" + (char) (c + 1) + "]";
                default -> "[]" + c + "-]";
            };
            return escape(name.substring(0, i)) + set + escape(name.substring(i + 1));
        }

        private static String escape(String s) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean first = i == 0;
                if (c == '*' || c == '?' || c == '[' || c == '\\' || (first && (c == '!' || c == '#'))
                        || (c == ' ' && i == s.length() - 1)) {
                    b.append('\\');
                }
                b.append(c);
            }
            return b.toString();
        }

        private static String pick(Random r, List<String> names) {
            return names.get(r.nextInt(names.size()));
        }
    }

    private static Set<String> checkIgnore(Path repo, Set<String> paths) throws Exception {
        StringBuilder in = new StringBuilder();
        for (String p : paths) {
            in.append(p).append('\0');
        }
        return split(git(repo, in.toString(), "check-ignore", "--no-index", "-z", "--stdin"));
    }

    private static Set<String> lsFilesIgnored(Path repo) throws Exception {
        Set<String> out = split(git(repo, null, "ls-files", "-o", "-i", "--exclude-standard", "-z"));
        out.removeIf(p -> p.equals(".gitignore") || p.endsWith("/.gitignore"));
        return out;
    }

    private static Set<String> split(String z) {
        Set<String> out = new HashSet<>();
        for (String p : z.split("\0")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out;
    }

    private static void requireGit(Path tmp) {
        try {
            git(tmp, null, "--version");
        } catch (Exception e) {
            fail("git is required by this test (the oracle of the ignore rules; .ci/run installs it): " + e);
        }
    }

    /**
     * Runs git hermetically (no user or system config); exit 1 is "nothing matched". check-ignore refuses literal
     * pathspecs, so no name of the tree starts with ':' (pathspec magic); it takes glob characters literally.
     */
    private static String git(Path dir, String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("git");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false);
        Map<String, String> env = pb.environment();
        env.put("HOME", dir.toString());
        env.put("XDG_CONFIG_HOME", dir.toString());
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.remove("GIT_DIR");
        env.remove("GIT_WORK_TREE");
        Process p = pb.start();
        try (OutputStream o = p.getOutputStream()) {
            if (stdin != null) {
                o.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out;
        byte[] err;
        try (InputStream i = p.getInputStream(); InputStream e = p.getErrorStream()) {
            out = i.readAllBytes();
            err = e.readAllBytes();
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("git " + String.join(" ", args) + " did not finish in 30 s");
        }
        int rc = p.exitValue();
        if (rc != 0 && rc != 1) {
            fail("git " + String.join(" ", args) + " exited " + rc + ": " + new String(err, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }

    @Test
    void theGrammarCoversEveryFeature() {
        Random r = new Random(1);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            all.append(Case.random(r).ignoreFiles().values()).append('\n');
        }
        String text = all.toString();
        for (String feature : new String[] {"#", "!", "/**", "**/", "?", "[!", "[^", "-", "[[:", "\\ ", "\r\n", "\\*"}) {
            assertEquals(true, text.contains(feature), "the grammar never writes " + feature);
        }
    }
}
