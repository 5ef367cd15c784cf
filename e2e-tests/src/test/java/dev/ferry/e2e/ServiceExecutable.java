package dev.ferry.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which build of a service the end-to-end tests start: the packaged jar, or the native executable when the build
 * ran with {@code -Dnative} (the e2e-tests {@code native} profile sets {@code ferry.native=true}). A native run
 * that finds no executable fails, so a jar is never tested in its place.
 */
final class ServiceExecutable {
    private ServiceExecutable() {
    }

    /** The executable to start: {@code runner} when {@code nativeWanted}, else {@code jar}; each must exist. */
    static Path select(boolean nativeWanted, Path runner, Path jar) {
        Path chosen = (nativeWanted ? runner : jar).toAbsolutePath().normalize();
        if (!Files.isRegularFile(chosen)) {
            throw new IllegalStateException(chosen + " is missing: " + (nativeWanted
                    ? "build the native executables first (./mvnw -B verify -Dnative)"
                    : "package the services first (./mvnw -B verify does)"));
        }
        if (nativeWanted && !Files.isExecutable(chosen)) {
            throw new IllegalStateException(chosen + " is not executable");
        }
        return chosen;
    }

    /**
     * The command that starts {@code executable} with a 512 MiB heap: a jar through this JVM (tuned for short lives),
     * a native one itself.
     */
    static List<String> command(Path executable, Path javaHome) {
        if (executable.getFileName().toString().endsWith(".jar")) {
            // C1 only and the serial collector: most service JVMs of these tests live a few seconds, and the two flags
            // take about 40% off the CPU of such a run (a watcher's --once, measured for DryRunIT); behaviour is the same.
            return List.of(javaHome.resolve("bin").resolve("java").toString(), "-Xmx512m", "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC", "-jar", executable.toString());
        }
        return List.of(executable.toString(), "-Xmx512m");
    }
}
