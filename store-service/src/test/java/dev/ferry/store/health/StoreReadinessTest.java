package dev.ferry.store.health;

import dev.ferry.store.storage.StoreLayout;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readiness on a real DEST: up, down when DEST/.ferry/tmp cannot take a file, down when the disk is nearly full. */
class StoreReadinessTest {
    @TempDir
    Path dest;
    StoreLayout layout;

    @BeforeEach
    void open() throws Exception {
        layout = StoreLayout.open(dest);
    }

    @AfterEach
    void close() throws Exception {
        layout.close();
    }

    @Test
    void upWithRoomAndAWritableDest() {
        HealthCheckResponse r = new StoreReadiness(layout, minFree(1024)).call();
        assertEquals(HealthCheckResponse.Status.UP, r.getStatus());
        assertEquals(true, r.getData().orElseThrow().get("writable"));
        assertTrue((Long) r.getData().orElseThrow().get("freeBytes") > 1024);
    }

    @Test
    void downWhenDestIsNotWritable() throws Exception {
        // Works as root too: the temp folder is replaced by a plain file, so no file can be created in it.
        Files.delete(layout.tmpDir());
        Files.writeString(layout.tmpDir(), "not a folder");
        HealthCheckResponse r = new StoreReadiness(layout, minFree(1024)).call();
        assertEquals(HealthCheckResponse.Status.DOWN, r.getStatus());
        assertEquals(false, r.getData().orElseThrow().get("writable"));
        assertTrue(String.valueOf(r.getData().orElseThrow().get("error")).startsWith("DEST is not writable"), r.getData().toString());
        assertShowsNoPathOrExceptionText(r);
        Files.delete(layout.tmpDir());
        Files.createDirectory(layout.tmpDir());
        assertEquals(HealthCheckResponse.Status.UP, new StoreReadiness(layout, minFree(1024)).call().getStatus());
    }

    @Test
    void downWhenTheDiskIsNearlyFull() throws Exception {
        long free = Files.getFileStore(dest).getUsableSpace();
        HealthCheckResponse r = new StoreReadiness(layout, minFree(free + (1L << 40))).call();
        assertEquals(HealthCheckResponse.Status.DOWN, r.getStatus());
        assertTrue(String.valueOf(r.getData().orElseThrow().get("error")).contains("nearly full"), r.getData().toString());
        assertTrue(String.valueOf(r.getData().orElseThrow().get("error")).contains("ferry.store.min-free-disk"));
    }

    /**
     * A store of folders: a folder (here mapped outside DEST) is checked as DEST is. Its free space is read the same
     * way, with the same minimum; a test cannot fill one file system and not another, so a folder that cannot take
     * a file stands for a folder whose disk failed.
     */
    @Test
    void downWhenANamedFolderIsNotWritable(@TempDir Path elsewhere) throws Exception {
        StoreLayout folder = StoreLayout.open(elsewhere.resolve("b"));
        try {
            StoreReadiness ready = new StoreReadiness(layout, () -> java.util.List.of(folder), minFree(1024));
            assertEquals(HealthCheckResponse.Status.UP, ready.call().getStatus());
            Files.delete(folder.tmpDir());
            Files.writeString(folder.tmpDir(), "not a folder");
            HealthCheckResponse r = ready.call();
            assertEquals(HealthCheckResponse.Status.DOWN, r.getStatus(), "folder b's store cannot take a file");
            assertTrue(String.valueOf(r.getData().orElseThrow().get("error")).contains("a folder is not writable"),
                    r.getData().toString());
            assertShowsNoPathOrExceptionText(r);
            assertTrue(!String.valueOf(r.getData().orElseThrow()).contains(elsewhere.toString()));
            Files.delete(folder.tmpDir());
            Files.createDirectory(folder.tmpDir());
            assertEquals(HealthCheckResponse.Status.UP, ready.call().getStatus());
        } finally {
            folder.close();
        }
    }

    @Test
    void upShowsNoPathEither() {
        assertShowsNoPathOrExceptionText(new StoreReadiness(layout, minFree(1024)).call());
    }

    /** /q/health is open to anyone: it must not tell where DEST is, nor what an exception said. */
    private void assertShowsNoPathOrExceptionText(HealthCheckResponse r) {
        String data = String.valueOf(r.getData().orElseThrow());
        String dir = dest.getFileName().toString();
        assertTrue(!data.contains(dir) && !data.contains(layout.dest().toString()), "health names DEST: " + data);
        assertTrue(!data.contains("Exception") && !data.contains(".ferry"), "health shows error text: " + data);
    }

    private static long minFree(long bytes) {
        return bytes;
    }
}
