package dev.ferry.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * scripts/run-local.sh as a user runs it, in a copy of the repository's layout with a stand-in for ./mvnw that
 * prints Maven's module lines and makes the two jars: SOURCE and DEST are taken from the caller's folder, the
 * build shows its progress, and it rebuilds after a source change or a new commit, and only then.
 */
class RunLocalScriptIT {

    private record Run(int exit, String output) {
    }

    @Test
    void pathsComeFromTheCallersFolderAndItRebuildsWhenTheSourcesOrTheCommitChange(@TempDir Path tmp) throws Exception {
        Path repo = Files.createDirectories(tmp.resolve("repo"));
        Files.createDirectories(repo.resolve("scripts"));
        Files.copy(ConfigKeys.root().resolve("scripts/run-local.sh"), repo.resolve("scripts/run-local.sh"));
        executable(repo.resolve("scripts/run-local.sh"));
        Path code = repo.resolve("protocol/src/main/java/A.java");
        Trees.write(code, "class A {}");
        Trees.write(repo.resolve("pom.xml"), "<project/>");
        Path builds = repo.resolve("builds.log");
        Path mvn = repo.resolve("fake-mvnw");
        Trees.write(mvn, String.join("\n",
                "#!/usr/bin/env bash",
                "echo built >> '" + builds + "'",
                "echo '[INFO] Building Ferry :: Protocol 0.1.0-SNAPSHOT [1/2]'",
                "echo '[INFO] some noise the user does not need'",
                "echo '[INFO] Building Ferry :: Store 0.1.0-SNAPSHOT [2/2]'",
                "mkdir -p store-service/target/quarkus-app watcher-service/target/quarkus-app",
                "touch store-service/target/quarkus-app/quarkus-run.jar watcher-service/target/quarkus-app/quarkus-run.jar",
                "echo '[INFO] BUILD SUCCESS'", ""));
        executable(mvn);
        git(repo, "init", "-q");
        git(repo, "add", "-A");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");

        Path caller = Files.createDirectories(tmp.resolve("caller"));
        Files.createDirectories(caller.resolve("src"));
        Map<String, String> env = Map.of("RUN_LOCAL_MVN", mvn.toString(), "RUN_LOCAL_DRY_RUN", "1");

        Run first = run(repo, caller, env, "src", "mirror");
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("would mirror " + caller.resolve("src") + " into " + caller.resolve("mirror")),
                "SOURCE and DEST relative to the caller's folder:\n" + first.output());
        assertTrue(first.output().contains("run-local:   Building Ferry :: Protocol")
                && first.output().contains("run-local:   Building Ferry :: Store"), "progress while building:\n" + first.output());
        assertTrue(!first.output().contains("noise"), first.output());
        assertEquals(1, builds(builds), "built once");

        Run second = run(repo, caller, env, "src", "mirror");
        assertEquals(0, second.exit(), second.output());
        assertEquals(1, builds(builds), "nothing changed: no build\n" + second.output());

        Files.setLastModifiedTime(code, FileTime.from(Instant.now().plusSeconds(5)));
        Run edited = run(repo, caller, env, "src", "mirror");
        assertTrue(edited.output().contains("sources changed"), edited.output());
        assertEquals(2, builds(builds), "a newer source file rebuilds");

        // A pull that brings a commit: HEAD moves, even when no file looks newer than the last build.
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "pulled");
        Run pulled = run(repo, caller, env, "src", "mirror");
        assertTrue(pulled.output().contains("git commit changed"), pulled.output());
        assertEquals(3, builds(builds), "a new commit rebuilds");

        Run missing = run(repo, caller, env, "no-such-folder", "mirror");
        assertEquals(2, missing.exit());
        assertTrue(missing.output().contains(caller.resolve("no-such-folder").toString()), missing.output());
    }

    private static long builds(Path log) throws IOException {
        return Files.exists(log) ? Files.readAllLines(log).size() : 0;
    }

    private static Run run(Path repo, Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", repo.resolve("scripts/run-local.sh").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "run-local.sh ends in dry-run mode");
        return new Run(p.exitValue(), out);
    }

    private static void git(Path repo, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(repo.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "git " + String.join(" ", args) + ":\n" + out);
    }

    private static void executable(Path file) throws IOException {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
