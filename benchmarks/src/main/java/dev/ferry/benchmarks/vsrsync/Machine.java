package dev.ferry.benchmarks.vsrsync;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the figures were measured on: cores, CPU, memory, the disk under the trees, JDK, rsync, Syncthing, JVM flags. */
record Machine(int cores, String cpu, String memory, String disk, String jdk, String rsync, String syncthing, String kernel,
               String storeFlags, String watcherFlags) {

    static Machine describe(Path workDir, BenchSettings s) {
        String cpu = firstMatch(Path.of("/proc/cpuinfo"), "model name");
        String memKib = firstMatch(Path.of("/proc/meminfo"), "MemTotal").replaceAll("[^0-9]", "");
        String mem = memKib.isEmpty() ? "?" : String.format(java.util.Locale.ROOT, "%.1f GiB RAM", Long.parseLong(memKib) / 1048576.0);
        String disk = command("df", "-hT", workDir.toString()).lines().skip(1).findFirst().orElse("?")
                .replaceAll("\\s+", " ");
        String jdk = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        String rsync = s.rsync() ? RsyncSide.version() : "(not run)";
        String syncthing = s.syncthing() ? SyncthingSide.version() : "(not run)";
        String kernel = command("uname", "-r").trim();
        return new Machine(Runtime.getRuntime().availableProcessors(), cpu, mem, disk, jdk, rsync, syncthing, kernel,
                String.join(" ", s.storeJvm()), String.join(" ", s.watcherJvm()));
    }

    String summary() {
        return "machine: " + cores + " cores (" + cpu + "), " + memory + ", disk " + disk + ", " + jdk + ", " + rsync
                + ", " + syncthing + "; store JVM flags [" + storeFlags + "], watcher JVM flags [" + watcherFlags + "]";
    }

    String markdown() {
        return String.join("\n",
                "Machine: " + cores + " cores (`nproc`), " + cpu + ", " + memory + "; Linux " + kernel,
                "Disk under the trees (`df -hT`): `" + disk + "`",
                "JDK: " + jdk + "; rsync: " + rsync + "; Syncthing: " + syncthing,
                "Ferry JVM flags: store `" + storeFlags + "`, watcher `" + watcherFlags + "`",
                "");
    }

    static String uptime() {
        return command("uptime").trim();
    }

    private static String firstMatch(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // below
        }
        return "?";
    }

    static String command(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
