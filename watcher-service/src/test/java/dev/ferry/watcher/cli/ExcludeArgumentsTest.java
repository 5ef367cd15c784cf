package dev.ferry.watcher.cli;

import dev.ferry.watcher.config.Arguments;
import dev.ferry.watcher.config.UsageException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --exclude PATTERN} (repeatable, also {@code --exclude=PATTERN}) and the env form of ferry.watcher.exclude. */
class ExcludeArgumentsTest {

    @Test
    void excludeIsRepeatableInBothFormsAndKeepsItsOrder() throws UsageException {
        Arguments a = Arguments.parse(new String[]{"src", "--exclude", "node_modules/", "--store=http://h:1",
                "--exclude=*.log", "--exclude", "!keep.log", "--exclude", "--once"}, Optional.empty());
        assertEquals(List.of("node_modules/", "*.log", "!keep.log", "--once"), a.excludes(),
                "the word after --exclude is its pattern, whatever it looks like");
        assertEquals(List.of(), Arguments.parse(new String[]{"src", "--store=http://h:1"}, Optional.empty()).excludes());
        assertThrows(UsageException.class, () -> Arguments.parse(new String[]{"src", "--store=http://h:1", "--exclude"},
                Optional.empty()));
        assertThrows(UsageException.class, () -> Arguments.parse(new String[]{"src", "--store=http://h:1", "--exclude="},
                Optional.empty()));
        assertTrue(Arguments.usage().contains("--exclude PATTERN"));
    }

    @Test
    void theEnvFormIsCommaSeparatedAndABackslashEscapesAComma() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(Map.of("FERRY_WATCHER_EXCLUDE", "*.log,build/,a\\,b.txt"), 300))
                .build();
        assertEquals(List.of("*.log", "build/", "a,b.txt"), config.getValues("ferry.watcher.exclude", String.class));
    }
}
