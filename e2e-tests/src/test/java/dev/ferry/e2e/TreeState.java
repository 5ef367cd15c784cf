package dev.ferry.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tree as it stood at one moment (every entry's type, mode, mtime, size, link target, and each file's SHA-256), to
 * compare later with a tree restored as of that moment, after the original has changed or gone.
 */
final class TreeState {
    private final Map<String, Trees.Entry> entries;
    private final Map<String, String> digests;

    private TreeState(Map<String, Trees.Entry> entries, Map<String, String> digests) {
        this.entries = entries;
        this.digests = digests;
    }

    static TreeState capture(Path root) {
        Map<String, Trees.Entry> entries = Trees.snapshot(root);
        Map<String, String> digests = new TreeMap<>();
        entries.forEach((rel, e) -> {
            if (e.type().equals("file")) {
                digests.put(rel, sha256(root.resolve(rel)));
            }
        });
        return new TreeState(entries, digests);
    }

    int size() {
        return entries.size();
    }

    Map<String, Trees.Entry> entries() {
        return entries;
    }

    /** What differs in {@code actual}: entries missing, extra or of another type, mode, mtime or bytes. */
    List<String> differences(Path actual) {
        TreeState other = capture(actual);
        List<String> diffs = new ArrayList<>();
        for (var e : entries.entrySet()) {
            String rel = e.getKey();
            Trees.Entry want = e.getValue();
            Trees.Entry got = other.entries.get(rel);
            if (got == null) {
                diffs.add("missing: " + rel);
            } else if (!got.equals(want)) {
                diffs.add("differs: " + rel + " expected=" + want + " actual=" + got);
            } else if (want.type().equals("file") && !digests.get(rel).equals(other.digests.get(rel))) {
                diffs.add("bytes differ: " + rel);
            }
        }
        for (String extra : other.entries.keySet()) {
            if (!entries.containsKey(extra)) {
                diffs.add("extra: " + extra);
            }
        }
        return diffs;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
