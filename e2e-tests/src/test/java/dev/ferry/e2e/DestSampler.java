package dev.ferry.e2e;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every file under its final name in DEST over and over, while the services run and are killed, and records
 * any that is not one complete {@link VersionedContent}. {@code .ferry/} is skipped (temp files live there).
 */
final class DestSampler implements AutoCloseable {
    private final Path dest;
    private final Path evidence;
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong filesRead = new AtomicLong();
    private final AtomicLong passes = new AtomicLong();
    /** Files read by the last complete pass, and the number of that pass. */
    private volatile long lastPassFiles;
    private final AtomicLong passFiles = new AtomicLong();
    private final Thread thread;
    private volatile boolean stop;

    DestSampler(Path dest, Path evidence) {
        this.dest = dest;
        this.evidence = evidence;
        thread = new Thread(this::run, "dest-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    List<String> failures() {
        return failures;
    }

    long filesRead() {
        return filesRead.get();
    }

    long passes() {
        return passes.get();
    }

    /**
     * Waits until a pass that started after this call has read the whole tree, and returns how many files it read:
     * every file of a DEST that stands still is then known to have been checked.
     */
    long awaitFullPass(Duration timeout) {
        long startedAfter = passes.get() + 1;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (passes.get() <= startedAfter) {
            if (System.nanoTime() > deadline || !thread.isAlive()) {
                throw new AssertionError("the DEST sampler finished no pass within " + timeout);
            }
            FerryProcess.sleep(10);
        }
        return lastPassFiles;
    }

    private void run() {
        while (!stop) {
            if (Files.isDirectory(dest)) {
                passFiles.set(0);
                try {
                    Files.walkFileTree(dest, new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            return stop || dir.equals(dest.resolve(".ferry")) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            if (attrs.isRegularFile()) {
                                sample(file);
                            }
                            return stop ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path file, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
                } catch (IOException e) {
                    // DEST changing under the walk: the next pass sees the truth
                }
                lastPassFiles = passFiles.get();
                passes.incrementAndGet();
            }
            FerryProcess.sleep(10);
        }
    }

    private void sample(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            return;
        }
        filesRead.incrementAndGet();
        passFiles.incrementAndGet();
        String problem = VersionedContent.check(bytes);
        if (problem != null) {
            String rel = dest.relativize(file).toString();
            failures.add(rel + ": " + problem);
            try {
                Files.createDirectories(evidence);
                Files.write(evidence.resolve(rel.replace('/', '_') + "." + failures.size()), bytes);
            } catch (IOException e) {
                // evidence is best effort
            }
        }
    }

    /** Every chunk under DEST/.ferry/chunks whose bytes do not hash to its name (or which is misnamed). */
    static List<String> corruptChunks(Path dest) throws IOException {
        List<String> bad = new ArrayList<>();
        Path chunks = dest.resolve(".ferry/chunks");
        if (!Files.isDirectory(chunks)) {
            return bad;
        }
        Files.walkFileTree(chunks, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String name = file.getFileName().toString();
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (NoSuchFileException e) {
                    return FileVisitResult.CONTINUE;
                }
                String actual = sha256(bytes);
                if (!name.equals(actual) || !file.getParent().getFileName().toString().equals(name.substring(0, 2))) {
                    bad.add(chunks.relativize(file) + " holds bytes hashing to " + actual);
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return bad;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        thread.join(10_000);
    }
}
