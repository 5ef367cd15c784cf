package dev.ferry.benchmarks;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The corpora of {@link CompressionBenchmark} and {@link CompressionReport}, cut into 64 KiB chunks: {@code text}
 * is the .java files of the JDK's src.zip (-Dferry.bench.srcZip, default the running JDK's lib/src.zip),
 * {@code docs} the files under /usr/share/doc (-Dferry.bench.docs) in path order, {@code random} seeded random bytes.
 */
final class CompressionCorpus {
    static final int CHUNK = 64 * 1024;

    private CompressionCorpus() {
    }

    static byte[][] chunks(String name, int bytes) throws IOException {
        byte[] all = switch (name) {
            case "text" -> javaSources(bytes);
            case "docs" -> docs(bytes);
            case "random" -> random(bytes);
            default -> throw new IllegalArgumentException("no corpus " + name);
        };
        List<byte[]> out = new ArrayList<>();
        for (int off = 0; off + CHUNK <= all.length; off += CHUNK) {
            byte[] c = new byte[CHUNK];
            System.arraycopy(all, off, c, 0, CHUNK);
            out.add(c);
        }
        if (out.isEmpty()) {
            throw new IOException("corpus " + name + " holds less than one chunk");
        }
        return out.toArray(new byte[0][]);
    }

    private static byte[] javaSources(int bytes) throws IOException {
        Path zip = Path.of(System.getProperty("ferry.bench.srcZip", System.getProperty("java.home") + "/lib/src.zip"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = z.entries();
            while (entries.hasMoreElements() && out.size() < bytes) {
                ZipEntry e = entries.nextElement();
                if (e.getName().endsWith(".java")) {
                    try (InputStream in = z.getInputStream(e)) {
                        in.transferTo(out);
                    }
                }
            }
        }
        return out.toByteArray();
    }

    private static byte[] docs(int bytes) throws IOException {
        Path root = Path.of(System.getProperty("ferry.bench.docs", "/usr/share/doc"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes);
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                if (out.size() >= bytes) {
                    break;
                }
                out.write(Files.readAllBytes(p));
            }
        }
        return out.toByteArray();
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        new SplittableRandom(1).nextBytes(b);
        return b;
    }
}
