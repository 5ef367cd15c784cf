package dev.ferry.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A busy, seeded source folder: many small files, a few large ones, edits, renames of files and folders, deletes of
 * both. Every file holds a {@link VersionedContent}; new versions are written beside the tree and renamed into
 * place, as editors save, so SOURCE itself never holds a torn file and any torn file in DEST is Ferry's doing.
 * Large files keep most of their bytes from one version to the next, so edits exercise chunk reuse.
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
        if (roll < 25 && files.size() - large < maxSmall) {
            createSmall();
        } else if (roll < 30 && large < maxLarge) {
            createLarge();
        } else if (roll < 60 && !files.isEmpty()) {
            edit(files.get(rnd.nextInt(files.size())));
        } else if (roll < 72 && !files.isEmpty()) {
            renameFile(files.get(rnd.nextInt(files.size())));
        } else if (roll < 78) {
            renameDirectory();
        } else if (roll < 93 && !files.isEmpty()) {
            delete(files.get(rnd.nextInt(files.size())));
        } else if (roll < 97) {
            deleteDirectory();
        } else {
            Files.createDirectories(source.resolve(randomDir()));
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
        Path d = dirs.get(rnd.nextInt(dirs.size()));
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

    private List<Path> dirs() {
        try (Stream<Path> s = Files.walk(source)) {
            return new ArrayList<>(s.filter(p -> !p.equals(source) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
