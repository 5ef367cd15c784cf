package dev.ferry.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RelativePathsTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "a/b/c.txt", "-leading-dash", "with space/and tab\u00a0nbsp", "\u00e9t\u00e9/\u4e2d\u6587.txt",
            ".hidden", "a/.ferry", "ferry/.ferry/x", "..a", "a..", "...", "emoji\ud83d\ude00",
            // legal on Linux, so a user may have them; they stay plain names inside DEST
            "CON", "nul.txt", "aux", "C:x", "C:", "a\\b", "\\\\server\\share", "name.", "name ", " ",
            "e\u0301t\u00e9", "\u00e9t\u00e9", ".ferryx", "ferry", "x.ferry", "ferry~", "ferry~1x", "a/FERRY~1"})
    void acceptsOrdinaryNames(String path) throws ProtocolException {
        assertEquals(path, RelativePaths.check(path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "../x", "a/../../b", "a/..", "./a", "a/./b", "a//b", "a/", ".ferry",
            ".ferry/chunks/ab", ".FERRY/x", "a\u0000b", "a\nb", "a\u007fb", "\ud800x",
            // look-alikes some file system would take for .ferry
            ".Ferry", ".ferry.", ".ferry ", ".ferry. .", "\uff0eferry", "\uff0e\uff46\uff45\uff52\uff52\uff59/x",
            ".fe\u200crry/chunks", "\ufeff.ferry", ".ferry\u200d", "FERRY~1", "ferry~12/x",
            "\u2024ferry", ".\u0066erry", ".ferry\u00ad"})
    void refusesEscapesAndControlCharacters(String path) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> RelativePaths.check(path));
        assertEquals("bad-path", e.code());
        assertFalse(RelativePaths.isValid(path));
    }

    @Test
    void refusesOverlongNamesAndPaths() {
        String name = "x".repeat(RelativePaths.MAX_NAME_BYTES);
        assertTrue(RelativePaths.isValid(name));
        assertFalse(RelativePaths.isValid(name + "x"));
        // 128 two-byte characters are 256 bytes: the limit counts bytes, not characters.
        assertFalse(RelativePaths.isValid("\u00e9".repeat(128)));
        String deep = ("d".repeat(100) + "/").repeat(41) + "f";
        assertFalse(RelativePaths.isValid(deep));
    }

    @Test
    void navigatesPaths() {
        assertNull(RelativePaths.parent("a"));
        assertEquals("a/b", RelativePaths.parent("a/b/c"));
        assertTrue(RelativePaths.isUnder("a/b", "a"));
        assertTrue(RelativePaths.isUnder("a", "a"));
        assertFalse(RelativePaths.isUnder("ab", "a"));
        assertEquals("z/b/c", RelativePaths.rebase("a/b/c", "a", "z"));
        assertEquals("a\\x0ab", RelativePaths.printable("a\nb"));
    }
}
