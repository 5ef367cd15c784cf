package dev.ferry.watcher.scan;

import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.RelativePaths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SourceScannerTest {

    @TempDir
    Path root;

    private Map<String, ScannedEntry> walk(SourceScanner scanner, String start) {
        Map<String, ScannedEntry> found = new TreeMap<>();
        scanner.walk(start, e -> found.put(e.path(), e));
        return found;
    }

    @Test
    void reportsTypesModesSizesAndInodes() throws IOException {
        Files.createDirectories(root.resolve("dir/sub"));
        Path script = Files.writeString(root.resolve("dir/run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(root.resolve("plain.txt"), "abc");
        Files.setPosixFilePermissions(root.resolve("plain.txt"), PosixFilePermissions.fromString("rw-r-----"));
        Files.setPosixFilePermissions(root.resolve("dir/sub"), PosixFilePermissions.fromString("rwx------"));

        Map<String, ScannedEntry> found = walk(new SourceScanner(root), "");

        assertEquals(List.of("dir", "dir/run.sh", "dir/sub", "plain.txt"), new ArrayList<>(found.keySet()));
        assertEquals(EntryType.FILE, found.get("dir/run.sh").type());
        assertEquals(0750, found.get("dir/run.sh").mode());
        assertEquals(0640, found.get("plain.txt").mode());
        assertEquals(3, found.get("plain.txt").size());
        assertEquals(EntryType.DIRECTORY, found.get("dir/sub").type());
        assertEquals(0700, found.get("dir/sub").mode());
        assertEquals(0, found.get("dir").size());
        long ino = (Long) Files.getAttribute(root.resolve("plain.txt"), "unix:ino");
        assertEquals(ino, found.get("plain.txt").inode());
        long mtime = Files.getLastModifiedTime(root.resolve("plain.txt")).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        assertEquals(mtime, found.get("plain.txt").mtimeNs());
    }

    @Test
    void symlinksAreEntriesAndNeverFollowed(@TempDir Path elsewhere) throws IOException {
        Files.writeString(elsewhere.resolve("secret.txt"), "outside");
        Files.createDirectories(root.resolve("d"));
        Files.createSymbolicLink(root.resolve("to-outside"), elsewhere);
        Files.createSymbolicLink(root.resolve("d/rel"), Path.of("../missing/target"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));

        Map<String, ScannedEntry> found = walk(new SourceScanner(root), "");

        assertEquals(List.of("d", "d/rel", "loop", "to-outside"), new ArrayList<>(found.keySet()));
        assertEquals(EntryType.SYMLINK, found.get("to-outside").type());
        assertEquals(elsewhere.toString(), found.get("to-outside").target());
        assertEquals("../missing/target", found.get("d/rel").target());
        assertEquals(0, found.get("d/rel").mode());
        assertEquals("loop", found.get("loop").target());
    }

    @Test
    void keepsUnicodeAndSpacesSkipsWhatCannotBeMirrored() throws Exception {
        Files.writeString(root.resolve("héllo wörld ✓.txt"), "x");
        Files.writeString(root.resolve("tab\there"), "x");
        Files.createDirectories(root.resolve(".ferry/inner"));
        Files.createDirectories(root.resolve("ok/.ferry"));
        run("mkfifo " + root.resolve("fifo"));
        run("touch \"" + root + "/$(printf 'bad\\377name')\"");

        Map<String, ScannedEntry> found = walk(new SourceScanner(root), "");

        assertEquals(List.of("héllo wörld ✓.txt", "ok", "ok/.ferry"), new ArrayList<>(found.keySet()));
    }

    @Test
    void statAndSubtreeWalks() throws IOException {
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/c"), "1");
        SourceScanner scanner = new SourceScanner(root);

        assertNull(scanner.stat("nope"));
        assertNull(scanner.stat("a/b/c/d"));
        assertEquals(EntryType.FILE, scanner.stat("a/b/c").type());
        assertEquals(List.of("a/b", "a/b/c"), new ArrayList<>(walk(scanner, "a/b").keySet()));
        assertFalse(scanner.walk("a/b/c", e -> { }));
        assertTrue(scanner.walk("a", e -> { }));
    }

    /**
     * A folder that cannot be listed (mode 000) is unlisted; the entries of one that can be listed but not searched
     * (mode 0644) are unknown: neither is taken as empty. Permissions do not bite root, so as root (CI) the walk runs
     * in a child JVM as nobody.
     */
    @Test
    void unreadableFoldersAreReportedAsUnlistedOrUnknownNotTakenAsEmpty(@TempDir Path scratch) throws Exception {
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path locked = Files.createDirectories(root.resolve("locked"));
        Files.writeString(locked.resolve("f"), "x");
        Files.createDirectories(root.resolve("nosearch/sub"));
        Path noSearch = root.resolve("nosearch");
        Files.writeString(noSearch.resolve("g"), "x");
        Files.writeString(root.resolve("open.txt"), "x");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        Files.setPosixFilePermissions(noSearch, PosixFilePermissions.fromString("rw-r--r--"));
        try {
            Set<String> reported = new TreeSet<>();
            if (UnprivilegedJvm.runningAsRoot()) {
                org.junit.jupiter.api.Assumptions.assumeTrue(UnprivilegedJvm.available(),
                        "SKIPPED LOUDLY: setpriv cannot switch to nobody; the unreadable-folder test did not run");
                String out = UnprivilegedJvm.run(scratch, UnreadableSourceProbe.class,
                        List.of(SourceScanner.class, RelativePaths.class, org.jboss.logging.Logger.class), root.toString());
                out.lines().forEach(reported::add);
            } else {
                new SourceScanner(root).walk("", new SourceScanner.Visitor() {
                    @Override
                    public void entry(ScannedEntry entry) {
                        reported.add("entry " + entry.path());
                    }

                    @Override
                    public void unlisted(String dirPath) {
                        reported.add("unlisted " + dirPath);
                    }

                    @Override
                    public void unknown(String path) {
                        reported.add("unknown " + path);
                    }
                });
            }
            assertEquals(Set.of("entry locked", "entry nosearch", "entry open.txt", "unlisted locked",
                    "unknown nosearch/g", "unknown nosearch/sub"), reported);
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(noSearch, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** EIO and ESTALE cannot be made on demand: the stat fails through the scanner's seam, as a failing disk's would. */
    @Test
    void anEntryWhoseStatFailsIsUnknownNotGone() throws IOException {
        Files.createDirectories(root.resolve("d/sub"));
        Files.writeString(root.resolve("d/f"), "x");
        Files.writeString(root.resolve("d/sub/g"), "x");
        Files.writeString(root.resolve("ok.txt"), "x");
        SourceScanner scanner = new SourceScanner(root);
        scanner.statFaults(path -> switch (path) {
            case "d/f" -> new java.nio.file.FileSystemException(path, null, "Input/output error");
            case "d/sub" -> new java.nio.file.FileSystemException(path, null, "Stale file handle");
            case "ok.txt" -> new java.nio.file.AccessDeniedException(path);
            default -> null;
        });
        Set<String> reported = new TreeSet<>();
        SourceScanner.Visitor recorder = new SourceScanner.Visitor() {
            @Override
            public void entry(ScannedEntry entry) {
                reported.add("entry " + entry.path());
            }

            @Override
            public void unknown(String path) {
                reported.add("unknown " + path);
            }
        };

        scanner.walk("", recorder);
        assertEquals(Set.of("entry d", "unknown d/f", "unknown d/sub", "unknown ok.txt"), reported);

        reported.clear();
        assertFalse(scanner.walk("d/sub", recorder));
        assertEquals(Set.of("unknown d/sub"), reported);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class, () -> scanner.stat("d/f"));

        scanner.statFaults(path -> null);
        assertEquals(EntryType.FILE, scanner.stat("d/f").type());
    }

    static void run(String shell) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", shell).inheritIO().start();
        assertEquals(0, p.waitFor());
    }

    @Test
    void aDirectoryChangedBeforeItsWatchExistedIsReportedWithItsFinalMtime() throws Exception {
        Path dir = Files.createDirectories(root.resolve("d"));
        Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.fromMillis(1_000_000L));
        Map<String, ScannedEntry> found = new java.util.LinkedHashMap<>();
        new SourceScanner(root).walk("", new SourceScanner.Visitor() {
            @Override
            public void entry(ScannedEntry entry) {
                found.put(entry.path(), entry);
            }

            @Override
            public void beforeListing(String dirPath, Path listed) {
                if (dirPath.equals("d")) {
                    // A file lands after d was first stat'ed, before its watch is in place: no event will tell.
                    try {
                        Files.writeString(listed.resolve("late.txt"), "late");
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            }
        });
        long onDisk = Files.getLastModifiedTime(dir).to(java.util.concurrent.TimeUnit.NANOSECONDS);
        assertEquals(onDisk, found.get("d").mtimeNs());
        assertTrue(found.containsKey("d/late.txt"));
    }
}
