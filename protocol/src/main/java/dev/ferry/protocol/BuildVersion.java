package dev.ferry.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * {@code --version}: the Maven version and the git commit this build came from, written into
 * {@code dev/ferry/protocol/build.properties} at build time ("unknown" when the build had no git checkout).
 */
public final class BuildVersion {
    /** The command-line option. */
    public static final String OPTION = "--version";

    private BuildVersion() {
    }

    /** E.g. {@code ferry-store 0.1.0-SNAPSHOT (git 1a2b3c4)}. */
    public static String line(String program) {
        Properties p = new Properties();
        try (InputStream in = BuildVersion.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // an unreadable resource reads as unknown: --version must still answer
        }
        return program + " " + p.getProperty("version", "unknown") + " (git " + p.getProperty("git", "unknown") + ")";
    }
}
