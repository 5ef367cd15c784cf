package dev.ferry.protocol;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The command as the user started it, for the usage lines of {@code --help}: the native executable's own file name
 * (ferry-store, ferry-watcher in the images; {@code *-runner} in target/), or {@code java -jar} and the jar as given.
 */
public final class CommandName {
    private CommandName() {
    }

    /** The command that started this process; {@code fallback} when it cannot be told. */
    public static String current(String fallback) {
        if (System.getProperty("org.graalvm.nativeimage.imagecode") != null) {
            Optional<String> exe = ProcessHandle.current().info().command();
            return exe.map(c -> Path.of(c).getFileName().toString()).orElse(fallback);
        }
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            return "java -jar " + classPath;
        }
        return fallback;
    }

    /**
     * {@code usage} with {@code program} at the start of its usage lines ("Usage: program ..." and the aligned
     * lines under it) replaced by the command that started this process.
     */
    public static String usage(String usage, String program) {
        String command = current(program);
        return usage.replaceAll("(?m)^(Usage: |       )" + java.util.regex.Pattern.quote(program) + "(?= |$)",
                "$1" + java.util.regex.Matcher.quoteReplacement(command));
    }
}
