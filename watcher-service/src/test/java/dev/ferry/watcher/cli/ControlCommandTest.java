package dev.ferry.watcher.cli;

import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.UsageException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The control subcommands' command line: exit 1 naming the port when no watcher answers, 2 for bad input. */
class ControlCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(Map<String, String> env, String... args) {
        return ControlCommand.run(args, env, 9182, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noWatcherListeningExitsOneNamingThePort() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        for (String command : new String[] {"status", "pause", "resume", "bwlimit"}) {
            err.reset();
            assertEquals(1, run(Map.of("QUARKUS_HTTP_PORT", Integer.toString(port)), command), command);
            assertTrue(err().contains("cannot reach the watcher at http://127.0.0.1:" + port), err());
            assertTrue(err().contains("QUARKUS_HTTP_PORT (" + port + ")"), err());
        }
    }

    @Test
    void badInputExitsTwo() {
        assertEquals(2, run(Map.of("QUARKUS_HTTP_PORT", "9"), "bwlimit", "fast"));
        assertTrue(err().contains("bad bandwidth limit 'fast'"), err());
        err.reset();
        assertEquals(2, run(Map.of("QUARKUS_HTTP_PORT", "9"), "pause", "now"));
        assertTrue(err().contains("a SOURCE folder named 'pause' is written ./pause"), err());
        err.reset();
        assertEquals(2, run(Map.of("QUARKUS_HTTP_PORT", "ninety"), "status"));
        assertTrue(err().contains("not a port number"), err());
    }

    @Test
    void commandsAreFirstArgumentsOnlyAndASourceOfThatNameIsAPath() throws UsageException {
        assertTrue(ControlCommand.handles(new String[] {"pause"}));
        assertFalse(ControlCommand.handles(new String[] {"./pause", "--store", "http://h:1"}));
        assertFalse(ControlCommand.handles(new String[] {"src", "status"}));
        assertTrue(Arguments.parse(new String[] {"./pause", "--store", "http://h:1"}, Optional.empty()).source()
                .endsWith("pause"));
    }

    @Test
    void bwlimitOptionIsCheckedAtOnce() throws UsageException {
        assertEquals("1.5M", Arguments.parse(new String[] {"src", "--bwlimit", "1.5M", "--store", "http://h:1"},
                Optional.empty()).bwlimit().orElseThrow());
        assertEquals("0", Arguments.parse(new String[] {"src", "--bwlimit=0", "--store", "http://h:1"},
                Optional.empty()).bwlimit().orElseThrow());
        UsageException e = assertThrows(UsageException.class, () -> Arguments.parse(
                new String[] {"src", "--bwlimit", "1x", "--store", "http://h:1"}, Optional.empty()));
        assertTrue(e.getMessage().contains("bad bandwidth limit '1x'"), e.getMessage());
        assertThrows(UsageException.class, () -> Arguments.parse(new String[] {"src", "--bwlimit"}, Optional.empty()));
    }

    @Test
    void helpNamesTheCommandsAndTheLimit() {
        for (String s : new String[] {"status", "pause", "resume", "bwlimit [RATE]", "--bwlimit RATE", "./pause",
                "FERRY_WATCHER_BWLIMIT"}) {
            assertTrue(Arguments.USAGE.contains(s), s);
        }
    }
}
