package dev.ferry.store.storage;

import dev.ferry.store.TestData;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The state file stays near its live size under a stream of small durable commits, as a first sync of many small
 * files makes (one per acknowledged batch): a copy-on-write store that keeps old chunks for 45 seconds and never
 * rewrites sparse ones grew to 126 MB for 20,000 files of 4 KiB.
 */
class StateDatabaseSizeTest {
    @TempDir
    Path dir;

    @Test
    void manySmallCommitsKeepTheFileWithinAFewTimesItsLiveData() throws Exception {
        Path file = dir.resolve(StateDatabase.FILE);
        try (MirrorIndex index = MirrorIndex.open(file, null)) {
            for (int i = 0; i < 5000; i++) {
                index.put(TestData.file(200, 200).manifest("d" + (i % 50) + "/f" + i, 0644, 1L));
                if (i % 5 == 4) {
                    index.flush(); // one durable commit per five files, as a busy apply thread does
                }
            }
        }
        Path live = dir.resolve("live.mv.db");
        MVStore.compact(file.toString(), live.toString(), false, null); // a copy of the live pages only
        long size = Files.size(file);
        long liveSize = Files.size(live);
        assertTrue(size < 5 * liveSize, "state file of " + size + " bytes for " + liveSize + " bytes of live data");
    }
}
