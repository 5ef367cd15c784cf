package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Compares a mirror with its source the way a user would: the same relative paths, entry types, sizes, permission
 * bits, modification times (nanoseconds), symlink targets and bytes (SHA-256). The root's own metadata and a
 * top-level {@code .ferry} folder in the mirror (Ferry's state) are not part of the comparison.
 * {@link #forSyncthing()} leaves out Syncthing's top-level {@code .stfolder}/{@code .stversions} instead, and
 * folders' mtimes, which Syncthing does not carry over (a limitation the report states).
 */
final class TreeComparison {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final TreeComparison DEFAULT = new TreeComparison();

    /** Top-level names of tool state that neither side's comparison includes. */
    private final Set<String> ignoredTopLevel;
    /** Whether folders' mtimes are compared (false only where a tool does not sync them). */
    private final boolean folderMtimes;

    TreeComparison() {
        this(Set.of(".ferry"), true);
    }

    TreeComparison(Set<String> ignoredTopLevel, boolean folderMtimes) {
        this.ignoredTopLevel = Set.copyOf(ignoredTopLevel);
        this.folderMtimes = folderMtimes;
    }

    /**
     * Syncthing's view: its marker {@code .stfolder} and versions folder {@code .stversions} are its state, and it
     * does not set folders' mtimes in DEST (checked with 1.19.2: a folder gets the time of its creation there).
     */
    static TreeComparison forSyncthing() {
        return new TreeComparison(Set.of(".stfolder", ".stversions"), false);
    }

    boolean comparesFolderMtimes() {
        return folderMtimes;
    }

    /** What one path looks like without reading its bytes. */
    record Entry(char type, int perms, long size, long mtimeNs, String target) {
    }

    /** One difference, for messages and for re-checking the path later. */
    record Difference(String path, String what) {
        @Override
        public String toString() {
            return path + ": " + what;
        }
    }

    private record Stamp(long size, long mtimeNs, Object fileKey) {
    }

    private record CachedDigest(Stamp stamp, String digest) {
    }

    /** Source digests by path, valid while size, mtime and inode stay the same: the source is hashed once. */
    private final Map<Path, CachedDigest> sourceDigests = new ConcurrentHashMap<>();

    /** Every entry under {@code root} by relative path ('/'-separated), without following symlinks. */
    static Map<String, Entry> snapshot(Path root) {
        return DEFAULT.tree(root);
    }

    /** {@link #snapshot} as this comparison sees it (its ignored names, its folder mtimes). */
    Map<String, Entry> tree(Path root) {
        Map<String, Entry> out = new TreeMap<>();
        walk(root, root, out);
        return out;
    }

    private void walk(Path root, Path dir, Map<String, Entry> out) {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            ds.forEach(children::add);
        } catch (NoSuchFileException e) {
            return; // vanished while walking: the next look sees the truth
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path child : children) {
            String rel = relative(root, child);
            if (dir.equals(root) && ignoredTopLevel.contains(rel)) {
                continue;
            }
            Entry e = entry(child);
            if (e == null) {
                continue;
            }
            out.put(rel, e);
            if (e.type() == 'd') {
                walk(root, child, out);
            }
        }
    }

    static String relative(Path root, Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    /** {@link #stat} as this comparison sees it: a folder's mtime is 0 when folder mtimes are not compared. */
    Entry entry(Path p) {
        Entry e = stat(p);
        return e != null && e.type() == 'd' && !folderMtimes ? new Entry('d', e.perms(), 0, 0, null) : e;
    }

    /** The entry at {@code p}, or null when nothing is there. */
    static Entry stat(Path p) {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return null; // racing with a rename: absent for now
        }
        int perms = 0;
        for (PosixFilePermission bit : a.permissions()) {
            perms |= 1 << (8 - bit.ordinal());
        }
        long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
        if (a.isSymbolicLink()) {
            try {
                return new Entry('l', 0, 0, 0, Files.readSymbolicLink(p).toString());
            } catch (IOException e) {
                return null;
            }
        }
        if (a.isDirectory()) {
            return new Entry('d', perms, 0, mtime, null);
        }
        if (a.isRegularFile()) {
            return new Entry('f', perms, a.size(), mtime, null);
        }
        return new Entry('o', perms, a.size(), mtime, null);
    }

    /** Metadata differences between an expected tree and an actual one (no bytes read). */
    static List<Difference> metadataDifferences(Map<String, Entry> expected, Map<String, Entry> actual) {
        List<Difference> diffs = new ArrayList<>();
        for (var e : expected.entrySet()) {
            Entry a = actual.get(e.getKey());
            if (a == null) {
                diffs.add(new Difference(e.getKey(), "missing in DEST"));
            } else if (!a.equals(e.getValue())) {
                diffs.add(new Difference(e.getKey(), "source " + e.getValue() + " dest " + a));
            }
        }
        for (String p : actual.keySet()) {
            if (!expected.containsKey(p)) {
                diffs.add(new Difference(p, "extra in DEST"));
            }
        }
        return diffs;
    }

    /** Every difference between SOURCE and DEST, bytes included (each DEST file hashed; source digests cached). */
    List<Difference> fullDifferences(Path source, Path dest) {
        Map<String, Entry> expected = tree(source);
        List<Difference> diffs = metadataDifferences(expected, tree(dest));
        if (!diffs.isEmpty()) {
            return diffs;
        }
        for (var e : expected.entrySet()) {
            if (e.getValue().type() != 'f') {
                continue;
            }
            String s = sourceDigest(source.resolve(e.getKey()));
            String d = digest(dest.resolve(e.getKey()));
            if (!Objects.equals(s, d)) {
                diffs.add(new Difference(e.getKey(), "bytes differ (sha256 source " + s + ", dest " + d + ")"));
            }
        }
        return diffs;
    }

    private String sourceDigest(Path p) {
        Stamp stamp;
        try {
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, NOFOLLOW);
            stamp = new Stamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.fileKey());
        } catch (IOException e) {
            return null;
        }
        CachedDigest c = sourceDigests.get(p);
        if (c != null && c.stamp().equals(stamp)) {
            return c.digest();
        }
        String d = digest(p);
        if (d != null) {
            sourceDigests.put(p, new CachedDigest(stamp, d));
        }
        return d;
    }

    static String digest(Path p) {
        try (InputStream in = Files.newInputStream(p, NOFOLLOW)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            return null; // vanished or changing: not equal yet
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
