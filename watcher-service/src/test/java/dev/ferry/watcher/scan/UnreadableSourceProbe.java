package dev.ferry.watcher.scan;

import java.nio.file.Path;

/**
 * Walks the source folder given as its argument and prints what the walk reported, one line each:
 * {@code entry <path>}, {@code unlisted <path>}, {@code unknown <path>}. Run as an unprivileged user by
 * {@link SourceScannerTest}, so that permissions bite.
 */
public final class UnreadableSourceProbe {
    private UnreadableSourceProbe() {
    }

    public static void main(String[] args) {
        new SourceScanner(Path.of(args[0])).walk("", new SourceScanner.Visitor() {
            @Override
            public void entry(ScannedEntry entry) {
                System.out.println("entry " + entry.path());
            }

            @Override
            public void unlisted(String dirPath) {
                System.out.println("unlisted " + dirPath);
            }

            @Override
            public void unknown(String path) {
                System.out.println("unknown " + path);
            }
        });
    }
}
