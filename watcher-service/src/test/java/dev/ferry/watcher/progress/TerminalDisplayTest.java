package dev.ferry.watcher.progress;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TerminalDisplayTest {
    private static final String EL = TerminalDisplay.ERASE_LINE;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TerminalDisplay display = new TerminalDisplay(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @AfterEach
    void deactivate() {
        TerminalDisplay.activate(null);
    }

    @Test
    void redrawsInPlaceAndPrintsWholeLinesAboveIt() {
        display.draw("hashed 1/3");
        display.draw("hashed 2/3");
        display.println("  + a.txt");
        display.draw("hashed 3/3");
        display.clearLine();
        display.clearLine();
        String nl = System.lineSeparator();
        assertEquals("\rhashed 1/3" + EL + "\rhashed 2/3" + EL + "\r" + EL + "  + a.txt" + nl + "\rhashed 3/3" + EL + "\r" + EL,
                out());
    }

    @Test
    void aLogRecordClearsTheActiveDisplaysLine() {
        TerminalDisplay.activate(display);
        display.draw("uploaded 1 MiB");
        new ProgressLogFilter().isLoggable(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "x"));
        assertEquals("\ruploaded 1 MiB" + EL + "\r" + EL, out());
        new ProgressLogFilter().isLoggable(new java.util.logging.LogRecord(java.util.logging.Level.INFO, "y"));
        assertEquals("\ruploaded 1 MiB" + EL + "\r" + EL, out(), "nothing to clear twice");
    }

    @Test
    void modes() {
        assertEquals(true, ProgressMode.AUTO.terminal(true, false));
        assertEquals(false, ProgressMode.AUTO.terminal(false, false));
        assertEquals(false, ProgressMode.AUTO.terminal(true, true));
        assertEquals(true, ProgressMode.TERMINAL.terminal(false, true));
        assertEquals(false, ProgressMode.LOG.terminal(true, false));
    }

    @Test
    void onlyATtyOrPseudoTerminalCountsAsATerminal(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path fd = java.nio.file.Files.createDirectory(dir.resolve("fd"));
        java.nio.file.Files.createSymbolicLink(fd.resolve("1"), java.nio.file.Path.of("/dev/pts/3"));
        java.nio.file.Files.createSymbolicLink(fd.resolve("2"), java.nio.file.Path.of("/tmp/watcher.log"));
        java.nio.file.Files.createSymbolicLink(fd.resolve("3"), java.nio.file.Path.of("pipe:[4711]"));
        assertEquals(true, TerminalDisplay.isTerminalDevice(fd.resolve("1")));
        assertEquals(false, TerminalDisplay.isTerminalDevice(fd.resolve("2")), "redirected to a file");
        assertEquals(false, TerminalDisplay.isTerminalDevice(fd.resolve("3")), "a pipe");
        assertEquals(true, TerminalDisplay.isTerminalDevice(dir.resolve("no-proc/1")), "no /proc: the console test stands");
    }
}
