package dev.ferry.protocol;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The error codes are one enum, documented in one table: docs/PROTOCOL.md's "All error codes" lists every
 * {@link ErrorCode} with its HTTP status and close code, and nothing else; wire strings are unique; and no main
 * source spells a code as a literal where the enum belongs.
 */
class ErrorCodeTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| *(\\d*) *\\| *(\\d*) *\\| .+\\|$");

    @Test
    void wireStringsAreUniqueAndReadBack() {
        Set<String> seen = new HashSet<>();
        for (ErrorCode c : ErrorCode.values()) {
            assertTrue(seen.add(c.wire()), "two codes spell " + c.wire());
            assertTrue(c.wire().matches("[a-z]+(-[a-z]+)*"), c.wire());
            assertEquals(c, ErrorCode.fromWire(c.wire()));
        }
        assertEquals(null, ErrorCode.fromWire("a-newer-peers-code"));
    }

    @Test
    void protocolDocListsEveryCodeWithItsStatusAndCloseCode() throws IOException {
        Map<String, String> documented = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(ROOT.resolve("docs/PROTOCOL.md"))) {
            if (line.startsWith("### ")) {
                inTable = line.equals("### All error codes");
                continue;
            }
            Matcher m = ROW.matcher(line);
            if (inTable && m.matches()) {
                assertEquals(null, documented.put(m.group(1), m.group(2) + "/" + m.group(3)), "listed twice: " + m.group(1));
            }
        }
        Map<String, String> coded = new LinkedHashMap<>();
        for (ErrorCode c : ErrorCode.values()) {
            coded.put(c.wire(), (c.httpStatus() == 0 ? "" : c.httpStatus()) + "/" + (c.closeCode() == 0 ? "" : c.closeCode()));
        }
        assertEquals(coded, documented, "docs/PROTOCOL.md \"All error codes\" (code: HTTP/close) against ErrorCode");
    }

    /** Where a code goes out, it is an ErrorCode, so a typo or a new code without a row above cannot compile. */
    @Test
    void mainSourcesSendNoCodeAsALiteral() throws IOException {
        Pattern literal = Pattern.compile("(new Message\\.Error\\(|Failure\\([^;]*, |error\\(\\d{3}, |\"error\", )\"([a-z]+(-[a-z]+)*)\"");
        List<String> found = new ArrayList<>();
        for (String module : List.of("protocol", "store-service", "watcher-service")) {
            try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                    Matcher m = literal.matcher(Files.readString(f));
                    while (m.find()) {
                        found.add(ROOT.relativize(f) + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
