package dev.ferry.watcher.progress;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The watcher's terminal: one progress line redrawn in place (carriage return, then erase to the end of the line)
 * with whole lines printed above it. Log records clear the progress line first ({@link ProgressLogFilter}), so
 * they never run into it; the next tick redraws it. Thread-safe.
 */
public final class TerminalDisplay {
    static final String ERASE_LINE = "\u001b[K";
    private static volatile TerminalDisplay active;

    private final PrintStream out;
    private boolean drawn;

    public TerminalDisplay(PrintStream out) {
        this.out = out;
    }

    /**
     * True when standard output is an interactive terminal. {@code System.console()} alone is not enough: from JDK 22
     * it is non-null even when output is redirected. Where {@code /proc} tells (Linux), its answer wins: stdout must be
     * a tty or a pseudo-terminal; elsewhere the console test stands.
     */
    public static boolean stdoutIsTerminal() {
        if (System.console() == null) {
            return false;
        }
        return isTerminalDevice(Path.of("/proc/self/fd/1"));
    }

    static boolean isTerminalDevice(Path fd) {
        if (!Files.exists(fd.getParent())) {
            return true;
        }
        try {
            String target = Files.readSymbolicLink(fd).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Makes this the display that log records clear (null: none). */
    public static void activate(TerminalDisplay display) {
        active = display;
    }

    /** Called before a log record is written: takes the progress line away. */
    static void beforeLogRecord() {
        TerminalDisplay d = active;
        if (d != null) {
            d.clearLine();
        }
    }

    /** Draws {@code line} over the current progress line. */
    public synchronized void draw(String line) {
        out.print("\r" + line + ERASE_LINE);
        out.flush();
        drawn = true;
    }

    /** Removes the progress line, if one is drawn. */
    public synchronized void clearLine() {
        if (drawn) {
            out.print("\r" + ERASE_LINE);
            out.flush();
            drawn = false;
        }
    }

    /** Prints a whole line above the progress line (which the next tick draws again). */
    public synchronized void println(String line) {
        clearLine();
        out.println(line);
        out.flush();
    }
}
