package dev.ferry.watcher.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The words of {@code ferry-watcher status} for a watcher in sync, one paused with work waiting, and one starting. */
class StatusScreenTest {
    private static final Instant NOW = Instant.parse("2026-12-07T15:00:00Z");

    private static String render(String json) throws Exception {
        JsonNode node = new ObjectMapper().readTree(json);
        return StatusScreen.render(node, "127.0.0.1:9182", NOW, ZoneOffset.UTC);
    }

    private static void assertSays(String screen, String... parts) {
        for (String p : parts) {
            assertTrue(screen.contains(p), "'" + p + "' in\n" + screen);
        }
    }

    @Test
    void inSync() throws Exception {
        String screen = render("""
                {"source":"/src","store":"http://s:9181","connected":true,"state":"idle","pendingBatches":0,
                 "lastSyncAt":"2026-12-07T14:57:00Z","inSyncSince":"2026-12-07T14:57:00Z","paused":false,
                 "bwlimit":"1M","bwlimitBytesPerSecond":1048576,"lastError":null,
                 "progress":{"filesToHash":3,"filesHashed":3,"bytesToHash":10,"bytesHashed":10,"chunksToUpload":2,
                             "chunksUploaded":2,"bytesToUpload":5,"bytesUploaded":5,"hashRate":0,"uploadRate":2048},
                 "recentChanges":[{"at":"2026-12-07T14:56:59Z","kind":"move","path":"b.txt","from":"a.txt"},
                                  {"at":"2026-12-07T14:56:58Z","kind":"upsert","path":"c.txt","failed":"disk full"}]}
                """);
        assertSays(screen, "ferry-watcher at 127.0.0.1:9182: /src -> store http://s:9181",
                "Mirror       in sync since 14:57:00 (3 min ago)", "Pending      nothing",
                "uploading 2.0 KiB/s", "limit 1.0 MiB/s", "Paused       no", "14:56:59  move    a.txt -> b.txt",
                "upsert  c.txt  (not applied: disk full)", "Last error   none");
    }

    @Test
    void pausedWithWorkWaiting() throws Exception {
        String screen = render("""
                {"source":"/src","store":"http://s:9181","connected":false,"state":"paused","pendingBatches":2,
                 "paused":true,"pausedSince":"2026-12-07T13:00:00Z","changesWhilePaused":4,"deletesHeld":7,
                 "bwlimit":"0","bwlimitBytesPerSecond":0,"lastError":"store could not apply x: no space",
                 "lastErrorAt":"2026-12-07T14:59:50Z",
                 "progress":{"filesToHash":5,"filesHashed":3,"bytesToHash":3145728,"bytesHashed":1048576,
                             "chunksToUpload":9,"chunksUploaded":1,"bytesToUpload":4096,"bytesUploaded":1024,
                             "hashRate":0,"uploadRate":0},
                 "recentChanges":[]}
                """);
        assertSays(screen, "PAUSED, nothing is sent; 4 changes seen since the pause wait for 'ferry-watcher resume'",
                "2 files (2.0 MiB) to hash, 8 chunks (3.0 KiB) to upload, 2 batches of changes not acknowledged yet",
                "7 deletions held", "no limit", "yes, since 13:00:00 (2 h ago)", "none since the watcher started",
                "store could not apply x: no space (14:59:50 (10 s ago))");
    }

    @Test
    void starting() throws Exception {
        assertSays(render("{\"state\":\"starting\",\"progress\":{}}"), "not known yet: the watcher is starting",
                "(starting)");
    }
}
