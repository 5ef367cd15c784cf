package dev.ferry.store.audit;

import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.store.storage.ChunkStore;
import dev.ferry.store.storage.Materializer;
import dev.ferry.store.storage.MirrorIndex;
import dev.ferry.store.storage.StoreLayout;
import dev.ferry.store.storage.TestChunkStores;
import dev.ferry.store.sync.ApplyExecutor;
import dev.ferry.store.sync.StoreStats;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store of folders a,b: DEST's top level holds the folders, which the unnamed folder's (empty) index never lists.
 * Its auditor, even in the worst state (index reconciled, ignore rules known: every entry of DEST would be foreign),
 * removes nothing there, scheduled or asked for.
 */
class ContainerAuditTest {
    @TempDir
    Path dest;
    StoreLayout layout;
    MirrorIndex index;
    DestAuditor auditor;
    ApplyExecutor apply;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
        index = new MirrorIndex(layout, TestChunkStores.db(layout));
        ChunkStore chunks = TestChunkStores.open(layout, index);
        apply = new ApplyExecutor();
        auditor = new DestAuditor(layout, index, new Materializer(layout, chunks, index), apply, new StoreStats(), true,
                IgnoreRules::none);
        Files.createDirectories(dest.resolve("a/.ferry"));
        Files.writeString(dest.resolve("a/.ferry/state.mv.db"), "folder a's state");
        Files.createDirectories(dest.resolve("a/photos"));
        Files.writeString(dest.resolve("a/photos/1.jpg"), "a's photo");
        Files.createDirectories(dest.resolve("b"));
        Files.writeString(dest.resolve("b/doc.txt"), "b's doc");
        Files.writeString(dest.resolve("notes.txt"), "the operator's note beside the folders");
        index.markReconciled();
    }

    @AfterEach
    void close() throws Exception {
        apply.shutdown();
        index.close();
        layout.close();
    }

    @Test
    void theContainerIsNeverAuditedAsAMirror() throws Exception {
        auditor.container();
        auditor.scheduled();
        assertAllThere();
        assertNotNull(auditor.destProblem(), "a check on the container says it is no mirror");
        assertThrows(IllegalStateException.class, auditor::auditNow);
        assertAllThere();
    }

    private void assertAllThere() throws Exception {
        assertTrue(Files.exists(dest.resolve("a/photos/1.jpg")), "DEST/a must never be taken for foreign");
        assertEquals("folder a's state", Files.readString(dest.resolve("a/.ferry/state.mv.db")));
        assertEquals("a's photo", Files.readString(dest.resolve("a/photos/1.jpg")));
        assertEquals("b's doc", Files.readString(dest.resolve("b/doc.txt")));
        assertEquals("the operator's note beside the folders", Files.readString(dest.resolve("notes.txt")));
    }
}
