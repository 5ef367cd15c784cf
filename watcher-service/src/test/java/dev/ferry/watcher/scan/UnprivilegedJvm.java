package dev.ferry.watcher.scan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a main class in a child JVM as {@code nobody} ({@code setpriv}, as the e2e tests run the watcher), so that
 * file permissions bite when the tests themselves run as root (CI does). The classes it needs are copied to a
 * folder {@code nobody} may read: the build's own folders may lie under a private home.
 */
final class UnprivilegedJvm {
    static final List<String> AS_NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups");

    private UnprivilegedJvm() {
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** True when this machine can switch to nobody. */
    static boolean available() {
        try {
            Process p = new ProcessBuilder(concat(AS_NOBODY, List.of("true"))).inheritIO().start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs {@code main} with {@code args} as nobody, with the class path made of the code sources of {@code needs};
     * returns its standard output (it must exit 0).
     */
    static String run(Path scratch, Class<?> main, List<Class<?>> needs, String... args) throws Exception {
        Path cp = Files.createDirectories(scratch.resolve("classpath"));
        Set<Path> sources = new LinkedHashSet<>();
        sources.add(codeSource(main));
        for (Class<?> c : needs) {
            sources.add(codeSource(c));
        }
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (Path source : sources) {
            Path copy = cp.resolve(i++ + "-" + source.getFileName());
            copyTree(source, copy);
            entries.add(copy.toString());
        }
        openToAll(scratch);
        List<String> cmd = new ArrayList<>(AS_NOBODY);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(String.join(java.io.File.pathSeparator, entries));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, p.exitValue(), "the child JVM failed; its output:\n" + out);
        return out;
    }

    private static Path codeSource(Class<?> c) throws URISyntaxException {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    /** Lets everyone read {@code dir} and below, and search its folders. */
    static void openToAll(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
