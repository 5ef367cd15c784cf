package dev.ferry.store.folder;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FolderSpecTest {
    private static final Path DEST = Path.of("/srv/dest");

    @Test
    void aFolderIsUnderDestUnlessMappedElsewhere() {
        assertEquals(List.of(new FolderSpec("photos", DEST.resolve("photos")),
                        new FolderSpec("team-a.docs_2", Path.of("/mnt/docs")),
                        new FolderSpec("rel", DEST.resolve("sub/rel"))),
                FolderSpec.parse(List.of("photos", " team-a.docs_2=/mnt/docs ", "rel=sub/rel", ""), DEST));
    }

    @Test
    void aBadSettingSaysWhatIsWrong() {
        assertBad("is not a folder name", "Photos");
        assertBad("is not a folder name", "-a");
        assertBad("is not a folder name", "a/b");
        assertBad("is not a folder name", "a".repeat(64));
        assertBad("named twice", "a", "a=/x");
        assertBad("overlap", "a=/x/y", "b=/x");
        assertBad("overlap", "a", "b=a/inner");
        assertBad("cannot be DEST or a folder above it", "a=/srv/dest");
        assertBad("cannot be DEST or a folder above it", "a=/srv");
        assertBad("cannot be DEST or a folder above it", "a=..");
        assertBad("inside DEST's own .ferry", "a=.ferry/x");
    }

    private static void assertBad(String why, String... items) {
        FolderSpec.BadSetting e = assertThrows(FolderSpec.BadSetting.class, () -> FolderSpec.parse(List.of(items), DEST));
        assertTrue(e.getMessage().contains(why) && e.getMessage().startsWith("ferry.store.folders:"), e.getMessage());
    }

    @Test
    void aStoreOfOneFolderWithEntriesIsNoContainer() {
        assertEquals(null, FolderSpec.containerProblem(DEST, 0));
        String why = FolderSpec.containerProblem(DEST, 12);
        assertTrue(why.contains("12 entries") && why.contains("/srv/dest/main") && why.contains("unset ferry.store.folders"), why);
    }

    @Test
    void tokensNameConfiguredFolders() {
        assertEquals(Map.of("a", "tok=en-a", "b", "token-b"),
                FolderSpec.parseTokens(List.of("a=tok=en-a", "b=token-b"), Set.of("a", "b")));
        assertTrue(assertThrows(FolderSpec.BadSetting.class, () -> FolderSpec.parseTokens(List.of("c=x"), Set.of("a")))
                .getMessage().contains("'c' is not a folder"));
        assertTrue(assertThrows(FolderSpec.BadSetting.class, () -> FolderSpec.parseTokens(List.of("a="), Set.of("a")))
                .getMessage().contains("NAME=TOKEN"));
        assertTrue(assertThrows(FolderSpec.BadSetting.class, () -> FolderSpec.parseTokens(List.of("a=x", "a=y"), Set.of("a")))
                .getMessage().contains("two tokens"));
    }
}
