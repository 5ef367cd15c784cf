package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The end-to-end suite runs what -Dnative built, and never quietly falls back to the other build. */
class ServiceExecutableTest {
    @TempDir
    Path target;

    private Path jar() throws Exception {
        return Files.writeString(Files.createDirectories(target.resolve("quarkus-app")).resolve("quarkus-run.jar"), "jar");
    }

    private Path runner() throws Exception {
        Path runner = Files.writeString(target.resolve("store-service-0.1.0-SNAPSHOT-runner"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(runner, PosixFilePermissions.fromString("rwxr-xr-x"));
        return runner;
    }

    @Test
    void aNativeBuildRunsTheNativeExecutableDirectly() throws Exception {
        Path runner = runner();
        Path chosen = ServiceExecutable.select(true, runner, jar());
        assertEquals(runner, chosen);
        assertEquals(List.of(runner.toString(), "-Xmx512m"), ServiceExecutable.command(chosen, Path.of("/jdk")));
    }

    @Test
    void aJvmBuildRunsTheJarEvenBesideAStaleNativeExecutable() throws Exception {
        Path jar = jar();
        runner();
        Path chosen = ServiceExecutable.select(false, target.resolve("store-service-0.1.0-SNAPSHOT-runner"), jar);
        assertEquals(jar, chosen);
        assertEquals(List.of("/jdk/bin/java", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
                        jar.toString()),
                ServiceExecutable.command(chosen, Path.of("/jdk")));
    }

    @Test
    void aNativeRunWithoutTheExecutableFailsInsteadOfTestingTheJar() throws Exception {
        Path jar = jar();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServiceExecutable.select(true, target.resolve("store-service-0.1.0-SNAPSHOT-runner"), jar));
        assertTrue(e.getMessage().contains("-Dnative"), e.getMessage());
    }

    @Test
    void aNativeExecutableWithoutItsExecBitIsRefused() throws Exception {
        Path runner = runner();
        Files.setPosixFilePermissions(runner, PosixFilePermissions.fromString("rw-r--r--"));
        assertThrows(IllegalStateException.class, () -> ServiceExecutable.select(true, runner, jar()));
    }

    @Test
    void aMissingJarSaysToPackageFirst() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ServiceExecutable.select(false, target.resolve("runner"), target.resolve("quarkus-run.jar")));
        assertTrue(e.getMessage().contains("package the services first"), e.getMessage());
    }
}
