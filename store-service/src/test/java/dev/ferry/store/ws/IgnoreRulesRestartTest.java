package dev.ferry.store.ws;

import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ignore.IgnoreSet;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreIgnoreRules;
import dev.ferry.store.storage.StoreLayout;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The rules outlive a restart: a store started on a DEST whose earlier run kept rules in .ferry/ignore.json
 * audits with them while no watcher is connected (the foreign file goes, the ignored one stays).
 */
@QuarkusTest
@TestProfile(IgnoreRulesRestartTest.EarlierRun.class)
class IgnoreRulesRestartTest {
    static final IgnoreSet RULES = new IgnoreSet(List.of(new IgnoreSet.IgnoreFile("kept", "*.tmp\n")), List.of());

    /** DEST as an earlier run of the store left it: one folder mirrored, the rules kept; then two foreign files. */
    public static class EarlierRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path dest = Files.createTempDirectory("ferry-store-ignore-restart-");
                try (StoreLayout layout = StoreLayout.open(dest); MirrorIndex index = new MirrorIndex(layout)) {
                    Files.createDirectory(dest.resolve("kept"));
                    index.put(Manifest.directory("kept", 0755, 1_000_000_000L));
                    index.flush();
                    new StoreIgnoreRules(layout.stateDir().resolve(StoreIgnoreRules.FILE), layout.tmpDir()).replace(RULES);
                }
                Files.writeString(dest.resolve("kept/local.tmp"), "this box's own");
                Files.writeString(dest.resolve("kept/junk.txt"), "foreign");
                return Map.of("ferry.store.dest", dest.toString(), "ferry.store.audit-interval", "200ms");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Inject
    StoreLayout layout;

    @Test
    void theAuditWithNoWatcherUsesTheRulesKeptByTheEarlierRun() throws Exception {
        Path junk = layout.dest().resolve("kept/junk.txt");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (Files.exists(junk) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertFalse(Files.exists(junk), "the periodic audit removes the foreign file within 30 s");
        assertEquals("this box's own", Files.readString(layout.dest().resolve("kept/local.tmp")),
                "the ignored file stays: the rules were read back at start");
    }
}
