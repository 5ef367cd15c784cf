package dev.ferry.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher on a real pseudo-terminal (util-linux script(1)): the initial sync draws a progress line redrawn in
 * place with carriage returns, and prints a short line per applied change; without a terminal the same run logs
 * plain lines instead.
 */
class ProgressTerminalIT {
    private static final Pattern FRAME = Pattern.compile("\r((?:scanning|syncing|disconnected|idle): hashed \\d+/\\d+ files[^\r\n\u001b]*)\u001b\\[K");
    private static final int FILES = 8;
    private static final long FILE_BYTES = 4L << 20;

    @Test
    void aTerminalGetsARedrawnProgressLineAndALinePerChange(@TempDir Path root) throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/script").canExecute(), "script(1) from util-linux is not installed");
        try (FerryPair pair = new FerryPair(root, "progress")) {
            for (int i = 0; i < FILES; i++) {
                Trees.writeRandom(pair.source.resolve("data/file-" + i + ".bin"), 100 + i, FILE_BYTES);
            }
            pair.startStore();

            Path out = root.resolve("terminal.out");
            List<String> cmd = new ArrayList<>();
            FerryProcess.command(FerryProcess.watcherJar()).forEach(part -> cmd.add(quote(part)));
            cmd.addAll(List.of(quote(pair.source.toString()), "--store", pair.proxy.url(), "--once"));
            String watcher = String.join(" ", cmd);
            ProcessBuilder pb = new ProcessBuilder("/usr/bin/script", "--quiet", "--return", "--flush", "--command",
                    watcher, "/dev/null");
            pb.environment().putAll(pair.env);
            pb.environment().remove("FERRY_TOKEN");
            pb.environment().put("FERRY_WATCHER_PROGRESS_INTERVAL", "50ms");
            pb.environment().put("QUARKUS_HTTP_PORT", "0");
            pb.environment().put("TERM", "xterm");
            pb.redirectOutput(out.toFile()).redirectErrorStream(true);
            Process p = pb.start();
            assertTrue(p.waitFor(FerryPair.SYNC_TIMEOUT.toSeconds(), TimeUnit.SECONDS), "the watcher --once ends");
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), text);
            assertEquals(List.of(), Trees.differences(pair.source, pair.dest));

            Set<String> frames = new LinkedHashSet<>();
            Matcher m = FRAME.matcher(text);
            while (m.find()) {
                frames.add(m.group(1));
            }
            assertTrue(frames.size() >= 2, "the progress line is redrawn in place with new figures:\n" + printable(text));
            assertTrue(frames.stream().anyMatch(f -> f.contains("/" + FILES + " files")), frames.toString());
            assertTrue(frames.stream().anyMatch(f -> f.matches(".*\\d+(\\.\\d)? [KMG]?i?B/s.*")), "a rate: " + frames);
            for (int i = 0; i < FILES; i++) {
                assertTrue(text.contains("  + data/file-" + i + ".bin"), "a line per change:\n" + printable(text));
            }
            assertFalse(text.contains("synced " + (FILES + 1) + " changes"), "the per-change lines replace the batch log line");

            Trees.write(pair.source.resolve("later.txt"), "no terminal now");
            try (FerryProcess plain = FerryProcess.watcher("progress-plain", pair.source, pair.proxy.url(), pair.env, "--once")) {
                assertEquals(0, plain.awaitExit(FerryPair.SYNC_TIMEOUT), plain.logTail());
                String log = plain.log();
                assertFalse(log.contains("\r") || log.contains("\u001b["), "no redraws without a terminal:\n" + log);
                assertTrue(log.contains("synced 1 change: upsert later.txt"), log);
            }
        }
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The output with its control characters made visible, for failure messages. */
    private static String printable(String text) {
        List<String> lines = new ArrayList<>();
        for (String line : text.replace("\u001b[K", "<EL>").replace("\r", "<CR>").split("\n")) {
            lines.add(line.length() > 400 ? line.substring(0, 400) + "..." : line);
        }
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
