package dev.ferry.protocol.ignore;

import dev.ferry.protocol.ProtocolException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The classic traps of .gitignore semantics, by name (each verdict is git 2.39's; the oracle test checks the rest). */
class IgnoreRulesTest {

    private static IgnoreRules top(String text) {
        return IgnoreRules.of(new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", text)), List.of()));
    }

    @Test
    void noRulesIgnoreNothing() {
        assertSame(IgnoreRules.none(), IgnoreRules.of(IgnoreSet.NONE));
        assertTrue(IgnoreRules.none().isEmpty());
        assertFalse(IgnoreRules.none().ignored("a", false));
        assertTrue(top("# only a comment\n\n   \n").isEmpty());
    }

    @Test
    void aNameWithoutSlashMatchesAtAnyDepth() {
        IgnoreRules r = top("*.o\nbuild\n");
        assertTrue(r.ignored("x.o", false));
        assertTrue(r.ignored("a/b/x.o", false));
        assertTrue(r.ignored("a/build", true));
        assertTrue(r.ignored("a/build/anything/deep.c", false), "below an ignored folder");
        assertFalse(r.ignored("a/builds", true));
    }

    @Test
    void aLeadingOrInnerSlashAnchorsToTheFilesFolder() {
        IgnoreRules r = top("/root.txt\ndoc/frotz\n");
        assertTrue(r.ignored("root.txt", false));
        assertFalse(r.ignored("a/root.txt", false));
        assertTrue(r.ignored("doc/frotz", false));
        assertFalse(r.ignored("a/doc/frotz", false));
        IgnoreRules nested = IgnoreRules.of(new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("sub", "/x\n")), List.of()));
        assertTrue(nested.ignored("sub/x", false));
        assertFalse(nested.ignored("x", false));
        assertFalse(nested.ignored("sub/y/x", false));
    }

    @Test
    void aTrailingSlashMatchesFoldersOnly() {
        IgnoreRules r = top("out/\n");
        assertTrue(r.ignored("out", true));
        assertFalse(r.ignored("out", false));
        assertTrue(r.ignored("out/file", false));
    }

    @Test
    void negationReincludesButNeverBelowAnIgnoredFolder() {
        IgnoreRules r = top("*.log\n!keep.log\nlogs/\n!logs/important.log\n");
        assertTrue(r.ignored("a.log", false));
        assertFalse(r.ignored("keep.log", false));
        assertTrue(r.ignored("logs/important.log", false), "a parent folder excluded: no re-include");
        IgnoreRules content = top("/logs/*\n!/logs/important.log\n");
        assertFalse(content.ignored("logs/important.log", false), "the folder itself is not ignored, only its content");
        assertTrue(content.ignored("logs/other.log", false));
    }

    @Test
    void theLastMatchingRuleWinsAndDeeperFilesComeFirst() {
        IgnoreRules r = IgnoreRules.of(new IgnoreSet(List.of(
                new IgnoreSet.IgnoreFile("", "*.txt\n"),
                new IgnoreSet.IgnoreFile("a", "!*.txt\n")), List.of("a/b.txt", "!c.txt")));
        assertTrue(r.ignored("x.txt", false));
        assertFalse(r.ignored("a/x.txt", false), "a/.ferryignore re-includes");
        assertFalse(r.ignored("a/b.txt", false), "excludes come last: the .ferryignore's verdict wins");
        assertTrue(r.ignored("c.txt", false), "the top .ferryignore beats the excludes");
    }

    @Test
    void doubleStars() {
        IgnoreRules r = top("**/foo\na/**/b\nlogs/**\n");
        assertTrue(r.ignored("foo", false));
        assertTrue(r.ignored("x/y/foo", false));
        assertTrue(r.ignored("a/b", false));
        assertTrue(r.ignored("a/x/y/b", false));
        assertFalse(r.ignored("logs", true), "logs/** matches inside logs, not logs itself");
        assertTrue(r.ignored("logs/x", false));
        IgnoreRules notGlobstar = top("a**b\n");
        assertTrue(notGlobstar.ignored("axxb", false));
        assertFalse(top("x/a**b\n").ignored("x/a/c/b", false), "** not between slashes is a plain star");
        assertTrue(top("x/a**/c\n").ignored("x/ab/d/c", false),
                "git's quirk: after the literal prefix x/a, the rest **/c is matched on its own, ** spanning folders");
    }

    @Test
    void starAndQuestionMarkDoNotCrossSlashesButAnUnanchoredNameMatchesTheLastName() {
        IgnoreRules r = top("a/*.c\nd?r/x\n");
        assertTrue(r.ignored("a/x.c", false));
        assertFalse(r.ignored("a/b/x.c", false));
        assertTrue(r.ignored("dir/x", false));
        assertFalse(r.ignored("d/r/x", false));
    }

    @Test
    void bracketsRangesAndTheirNegation() {
        IgnoreRules r = top("[ab]1\n[!x-z]2\n[^m]3\n[]]4\n[a-]5\n[[:digit:]]6\n");
        assertTrue(r.ignored("a1", false));
        assertFalse(r.ignored("c1", false));
        assertTrue(r.ignored("b2", false));
        assertFalse(r.ignored("y2", false));
        assertFalse(r.ignored("m3", false));
        assertTrue(r.ignored("n3", false));
        assertTrue(r.ignored("]4", false));
        assertTrue(r.ignored("-5", false));
        assertTrue(r.ignored("76", false));
        assertFalse(top("[abc\n").ignored("[abc", false), "an unclosed bracket matches nothing, as in git");
    }

    @Test
    void commentsEscapesAndTrailingSpaces() {
        IgnoreRules r = top("#not\n\\#hash\n\\!bang\nspace\\ \ntrail   \r\nstar\\*\n");
        assertFalse(r.ignored("#not", false));
        assertTrue(r.ignored("#hash", false));
        assertTrue(r.ignored("!bang", false));
        assertTrue(r.ignored("space ", false));
        assertTrue(r.ignored("trail", false), "trailing spaces and the CR of a CRLF line are dropped");
        assertFalse(r.ignored("trail   ", false));
        assertTrue(r.ignored("star*", false));
        assertFalse(r.ignored("starx", false));
    }

    @Test
    void aQuestionMarkIsOneByteAsInGit() {
        assertFalse(top("?.txt\n").ignored("é.txt", false));
        assertTrue(top("??.txt\n").ignored("é.txt", false));
        assertTrue(top("é*\n").ignored("dir/école", true));
        assertFalse(top("e*\n").ignored("école", false), "names are compared as they are spelled, not normalized");
    }

    @Test
    void anyTextIsReadWithoutThrowing() {
        for (String text : new String[] {"\\", "[", "[[:nope:]]", "!", "/", "//", "**", "\0x", "\uFEFF*.x", "a\\"}) {
            IgnoreRules.of(new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", text)), List.of(text))).ignored("a/b", false);
        }
        assertTrue(top("\uFEFF*.x").ignored("y.x", false), "a BOM is skipped");
    }

    @Test
    void theSetIsCheckedAgainstItsLimits() throws ProtocolException {
        IgnoreSet ok = new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", "x"), new IgnoreSet.IgnoreFile("a/b", "y")), List.of("z"));
        assertSame(ok, ok.check());
        String big = "x".repeat(IgnoreSet.MAX_TEXT_BYTES);
        assertEquals("too-large", assertThrows(ProtocolException.class,
                () -> new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", big)), List.of("y")).check()).code());
        List<IgnoreSet.IgnoreFile> many = new java.util.ArrayList<>();
        for (int i = 0; i <= IgnoreSet.MAX_FILES; i++) {
            many.add(new IgnoreSet.IgnoreFile("d" + i, ""));
        }
        assertEquals("too-large", assertThrows(ProtocolException.class, () -> new IgnoreSet(many, List.of()).check()).code());
        for (String dir : new String[] {"/abs", "a/../b", ".ferry/x", "a//b", "a/"}) {
            assertEquals("bad-message", assertThrows(ProtocolException.class,
                    () -> new IgnoreSet(List.of(new IgnoreSet.IgnoreFile(dir, "x")), List.of()).check()).code(), dir);
        }
        assertEquals("bad-message", assertThrows(ProtocolException.class,
                () -> new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("", "x"), new IgnoreSet.IgnoreFile("", "y")), List.of()).check()).code());
    }
}
