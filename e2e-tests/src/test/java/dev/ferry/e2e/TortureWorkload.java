package dev.ferry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A busy, seeded source folder: many small files, a few large ones, edits, renames of files and folders, deletes of
 * both, symlinks (to files, folders, nowhere; made, retargeted, deleted), exec-bit changes, and folder replacements
 * (a folder replaced by a file and back, a folder deleted and made again with other content). Every file holds a
 * {@link VersionedContent}; new versions are written beside the tree and renamed into place, as editors save, so
 * SOURCE itself never holds a torn file and any torn file in DEST is Ferry's doing. Large files keep most of their
 * bytes from one version to the next, so edits exercise chunk reuse.
 */
final class TortureWorkload {
    private static final int SMALL_MAX = 24 * 1024;
    private static final int LARGE_MIN = 1 << 20;
    private static final int LARGE_MAX = 5 << 20;

    private final Path source;
    private final Path staging;
    private final Random rnd;
    private final Map<Path, byte[]> largeBodies = new HashMap<>();
    private final Map<Long, Integer> versions = new HashMap<>();
    private final int maxSmall;
    private final int maxLarge;
    /** Files standing where a folder was: the workload turns them back into folders. */
    private final List<Path> filesWhereFoldersWere = new ArrayList<>();
    /** How often each kind of change ran, for the summary. */
    private final Map<String, Integer> kinds = new TreeMap<>();
    private long nextId;
    private long ops;

    TortureWorkload(Path source, Path staging, long seed, int maxSmall, int maxLarge) throws IOException {
        this.source = source;
        this.staging = Files.createDirectories(staging);
        this.rnd = new Random(seed);
        this.maxSmall = maxSmall;
        this.maxLarge = maxLarge;
    }

    long ops() {
        return ops;
    }

    /** How often each kind of change ran: "create=12 edit=30 ...". */
    String kinds() {
        StringBuilder sb = new StringBuilder();
        kinds.forEach((k, n) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(n));
        return sb.toString();
    }

    /** Fills the empty source with a starting tree. */
    void populate() throws IOException {
        for (int i = 0; i < maxSmall / 2; i++) {
            createSmall();
        }
        for (int i = 0; i < Math.max(1, maxLarge / 2); i++) {
            createLarge();
        }
    }

    /** One random change. */
    void step() throws IOException {
        ops++;
        List<Path> files = files();
        long large = files.stream().filter(largeBodies::containsKey).count();
        int roll = rnd.nextInt(100);
        if (roll < 20 && files.size() - large < maxSmall) {
            count("create");
            createSmall();
        } else if (roll < 24 && large < maxLarge) {
            count("create-large");
            createLarge();
        } else if (roll < 48 && !files.isEmpty()) {
            count("edit");
            edit(files.get(rnd.nextInt(files.size())));
        } else if (roll < 57 && !files.isEmpty()) {
            count("rename");
            renameFile(files.get(rnd.nextInt(files.size())));
        } else if (roll < 62) {
            count("rename-folder");
            renameDirectory();
        } else if (roll < 72 && !files.isEmpty()) {
            count("delete");
            delete(files.get(rnd.nextInt(files.size())));
        } else if (roll < 75) {
            count("delete-folder");
            deleteDirectory();
        } else if (roll < 77) {
            count("mkdir");
            Files.createDirectories(source.resolve(randomDir()));
        } else if (roll < 85) {
            symlinkStep(files);
        } else if (roll < 91 && !files.isEmpty()) {
            count("chmod");
            toggleExecBit(files.get(rnd.nextInt(files.size())));
        } else {
            replaceFolderStep();
        }
    }

    private void count(String kind) {
        kinds.merge(kind, 1, Integer::sum);
    }

    /** Makes a link (to a file, a folder or nowhere), points an existing one elsewhere, or deletes one. */
    private void symlinkStep(List<Path> files) throws IOException {
        List<Path> links = links();
        int roll = rnd.nextInt(10);
        if (links.isEmpty() || roll < 5) {
            count("symlink");
            Path dir = source.resolve(randomDir());
            Files.createDirectories(dir);
            Files.createSymbolicLink(dir.resolve("l" + nextId++), linkTarget(dir, files));
        } else if (roll < 8) {
            count("symlink-retarget");
            Path link = links.get(rnd.nextInt(links.size()));
            Path tmp = link.resolveSibling(".retarget-" + nextId++);
            Files.createSymbolicLink(tmp, linkTarget(link.getParent(), files));
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } else {
            count("symlink-delete");
            Files.deleteIfExists(links.get(rnd.nextInt(links.size())));
        }
    }

    /** A relative link target from {@code dir}: an existing file, a folder, or a name that does not exist. */
    private Path linkTarget(Path dir, List<Path> files) {
        int roll = rnd.nextInt(3);
        if (roll == 0 && !files.isEmpty()) {
            return dir.relativize(files.get(rnd.nextInt(files.size())));
        }
        List<Path> dirs = dirs();
        if (roll == 1 && !dirs.isEmpty()) {
            Path target = dir.relativize(dirs.get(rnd.nextInt(dirs.size())));
            // A link to its own folder: "" is no target (symlink(2) refuses it), "." is.
            return target.toString().isEmpty() ? Path.of(".") : target;
        }
        return Path.of("missing-" + rnd.nextInt(1000));
    }

    /** Sets or clears the owner's, group's and others' exec bits (no new version: only the mode changes). */
    private void toggleExecBit(Path p) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> exec = Set.of(PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_EXECUTE);
        Set<PosixFilePermission> next = EnumSet.noneOf(PosixFilePermission.class);
        next.addAll(perms);
        if (perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
            next.removeAll(exec);
        } else {
            next.addAll(exec);
        }
        Files.setPosixFilePermissions(p, next);
    }

    /**
     * A folder replaced by a file, a file that replaced a folder turned back into a folder, or a folder deleted and
     * made again at once with other content. Only folders no other step makes on its own are replaced by files
     * (their names are not of {@link #randomDir}'s shape), so no later step needs a folder where a file stands.
     */
    private void replaceFolderStep() throws IOException {
        filesWhereFoldersWere.removeIf(p -> !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
        int roll = rnd.nextInt(3);
        if (roll == 0 && !filesWhereFoldersWere.isEmpty()) {
            count("file-to-folder");
            Path p = filesWhereFoldersWere.remove(rnd.nextInt(filesWhereFoldersWere.size()));
            delete(p);
            fillFolder(p);
            return;
        }
        List<Path> replaceable = dirs().stream().filter(d -> !RANDOM_DIR.matcher(source.relativize(d).toString()).matches())
                .toList();
        if (replaceable.isEmpty()) {
            count("folder-made");
            fillFolder(source.resolve(randomDir()).resolve("x" + nextId++));
        } else if (roll == 1) {
            count("folder-to-file");
            Path d = replaceable.get(rnd.nextInt(replaceable.size()));
            removeTree(d);
            byte[] body = new byte[rnd.nextInt(SMALL_MAX)];
            rnd.nextBytes(body);
            place(d, nextId++, body);
            filesWhereFoldersWere.add(d);
        } else {
            count("folder-recreated");
            Path d = replaceable.get(rnd.nextInt(replaceable.size()));
            removeTree(d);
            fillFolder(d);
        }
    }

    /** Makes folder {@code d} with one to three new small files in it. */
    private void fillFolder(Path d) throws IOException {
        Files.createDirectories(d);
        for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
            byte[] body = new byte[rnd.nextInt(SMALL_MAX)];
            rnd.nextBytes(body);
            place(d.resolve("f" + nextId + ".txt"), nextId++, body);
        }
    }

    private void createSmall() throws IOException {
        byte[] body = new byte[rnd.nextInt(SMALL_MAX)];
        rnd.nextBytes(body);
        place(source.resolve(randomDir()).resolve("f" + nextId + ".txt"), nextId++, body);
    }

    private void createLarge() throws IOException {
        byte[] body = new byte[LARGE_MIN + rnd.nextInt(LARGE_MAX - LARGE_MIN)];
        rnd.nextBytes(body);
        Path p = source.resolve(randomDir()).resolve("big" + nextId + ".bin");
        place(p, nextId++, body);
        largeBodies.put(p, body);
    }

    private void edit(Path p) throws IOException {
        long id = idOf(p);
        byte[] body = largeBodies.get(p);
        if (body != null) {
            // Rewrite one region in the middle: most chunks stay the same.
            int at = rnd.nextInt(body.length);
            int len = Math.min(body.length - at, 1 + rnd.nextInt(128 * 1024));
            byte[] patch = new byte[len];
            rnd.nextBytes(patch);
            System.arraycopy(patch, 0, body, at, len);
        } else {
            body = new byte[rnd.nextInt(SMALL_MAX)];
            rnd.nextBytes(body);
        }
        place(p, id, body);
    }

    private void renameFile(Path p) throws IOException {
        Path dir = source.resolve(randomDir());
        Files.createDirectories(dir);
        Path to = dir.resolve((largeBodies.containsKey(p) ? "big" : "f") + "r" + (nextId++) + (largeBodies.containsKey(p) ? ".bin" : ".txt"));
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.move(p, to, StandardCopyOption.ATOMIC_MOVE);
            byte[] body = largeBodies.remove(p);
            if (body != null) {
                largeBodies.put(to, body);
            }
        }
    }

    private void renameDirectory() throws IOException {
        List<Path> dirs = dirs();
        if (dirs.isEmpty()) {
            return;
        }
        Path from = dirs.get(rnd.nextInt(dirs.size()));
        Path to = from.resolveSibling(from.getFileName() + "m" + rnd.nextInt(100));
        if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        Map<Path, byte[]> moved = new HashMap<>();
        largeBodies.entrySet().removeIf(e -> {
            if (e.getKey().startsWith(from)) {
                moved.put(to.resolve(from.relativize(e.getKey())), e.getValue());
                return true;
            }
            return false;
        });
        largeBodies.putAll(moved);
    }

    private void delete(Path p) throws IOException {
        Files.deleteIfExists(p);
        largeBodies.remove(p);
    }

    private void deleteDirectory() throws IOException {
        List<Path> dirs = dirs();
        if (dirs.isEmpty()) {
            return;
        }
        removeTree(dirs.get(rnd.nextInt(dirs.size())));
    }

    private void removeTree(Path d) throws IOException {
        Trees.deleteTree(d);
        largeBodies.keySet().removeIf(p -> p.startsWith(d));
    }

    /** Writes the next version of file {@code id} beside the tree and renames it over {@code p}. */
    private void place(Path p, long id, byte[] body) throws IOException {
        int v = versions.merge(id, 1, Integer::sum);
        Path tmp = staging.resolve("next-" + id + "-" + v);
        Files.write(tmp, VersionedContent.encode(id, v, body));
        Files.createDirectories(p.getParent());
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The shape of {@link #randomDir()}'s paths. */
    private static final Pattern RANDOM_DIR = Pattern.compile("d[0-5](/s[0-2]){0,2}");

    private String randomDir() {
        int depth = rnd.nextInt(3);
        StringBuilder sb = new StringBuilder("d" + rnd.nextInt(6));
        for (int i = 0; i < depth; i++) {
            sb.append("/s").append(rnd.nextInt(3));
        }
        return sb.toString();
    }

    private static long idOf(Path p) throws IOException {
        String header = VersionedContent.header(Files.readAllBytes(p));
        int at = header.indexOf("id=");
        return Long.parseLong(header.substring(at + 3, header.indexOf(' ', at)));
    }

    private List<Path> files() {
        try (Stream<Path> s = Files.walk(source)) {
            return new ArrayList<>(s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> links() {
        try (Stream<Path> s = Files.walk(source)) {
            return new ArrayList<>(s.filter(Files::isSymbolicLink).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<Path> dirs() {
        try (Stream<Path> s = Files.walk(source)) {
            return new ArrayList<>(s.filter(p -> !p.equals(source) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
