package dev.ferry.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileNamesTest {

    @Test
    void roundTripsUnicodeNames(@TempDir Path root) throws IOException {
        String rel = "d\u00e9j\u00e0/\u4e2d\u6587 file-\ud83d\ude00.txt";
        Path p = FileNames.resolve(root, rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
        assertTrue(Files.exists(root.resolve("d\u00e9j\u00e0")));
        assertEquals(rel, FileNames.relative(root, p));
    }

    @Test
    void recognizesUtf8Charsets() {
        assertTrue(FileNames.isUtf8("UTF-8"));
        assertTrue(FileNames.isUtf8("utf8"));
        assertEquals(false, FileNames.isUtf8("ANSI_X3.4-1968"));
    }

    /** The whole point of the class: the same names work in a JVM started under LANG=C. */
    @Test
    void worksUnderAnAsciiLocale(@TempDir Path root) throws Exception {
        String rel = "caf\u00e9/\u00fcber \u4e2d.txt";
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                AsciiLocaleProbe.class.getName(), root.toString());
        pb.environment().clear();
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(0, p.waitFor(), out);
        // The probe created the file from the wire path and listed it back; check the bytes on disk.
        assertTrue(Files.isRegularFile(root.resolve(rel)), out);
        assertTrue(out.contains("roundtrip=ok"), out);
        assertTrue(out.contains("links=ok"), out);
        assertEquals("../caf\u00e9/\u00fcber \u4e2d.txt",
                Files.readSymbolicLink(root.resolve("link-" + Math.abs("../caf\u00e9/\u00fcber \u4e2d.txt".hashCode()))).toString());
    }

    /** Run in a child JVM with LANG=C: builds a path from a wire name and reads the name back. */
    public static final class AsciiLocaleProbe {
        public static void main(String[] args) throws Exception {
            Path root = Path.of(args[0]);
            String rel = "caf\u00e9/\u00fcber \u4e2d.txt";
            Path p = FileNames.resolve(root, rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, "x");
            String back;
            try (var files = Files.walk(root)) {
                back = FileNames.relative(root, files.filter(Files::isRegularFile).findFirst().orElseThrow());
            }
            boolean links = true;
            for (String target : new String[] {"../caf\u00e9/\u00fcber \u4e2d.txt", "/tmp/\u00e9t\u00e9", "plain"}) {
                Path link = FileNames.resolve(root, "link-" + Math.abs(target.hashCode()));
                Files.createSymbolicLink(link, FileNames.targetPath(target));
                links &= target.equals(FileNames.linkTarget(Files.readSymbolicLink(link)));
            }
            System.out.println("jnu=" + System.getProperty("sun.jnu.encoding") + " utf8=" + FileNames.utf8Locale()
                    + " roundtrip=" + (rel.equals(back) ? "ok" : "bad") + " links=" + (links ? "ok" : "bad"));
            System.exit(rel.equals(back) && links && !FileNames.utf8Locale() ? 0 : 3);
        }
    }
}
