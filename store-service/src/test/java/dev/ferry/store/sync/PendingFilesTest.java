package dev.ferry.store.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import dev.ferry.store.storage.PartFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PendingFilesTest {
    private static ChunkHash hash(int n) {
        byte[] h = new byte[32];
        h[0] = (byte) n;
        return ChunkHash.of(h);
    }

    private static Manifest file(String path, int... chunks) {
        List<ChunkRef> refs = new ArrayList<>();
        for (int c : chunks) {
            refs.add(new ChunkRef(hash(c), 10));
        }
        return Manifest.file(path, 0644, 1L, 10L * chunks.length, refs);
    }

    @Test
    void aFileBeingWrittenIsInstalledOnlyWhileItIsStillTheNewestUpsertOfItsPath() {
        PendingFiles pending = new PendingFiles();
        Batch batch = new Batch(1);
        PendingFiles.Pending a = pending.add(file("d/a", 1, 2), batch, List.of(hash(1), hash(2)));
        PendingFiles.Pending b = pending.add(file("d/b", 3), batch, List.of(hash(3)));
        PendingFiles.Pending c = pending.add(file("e/c", 4), batch, List.of(hash(4)));
        assertEquals(List.of(), pending.arrived(List.of(hash(1))));
        assertEquals(List.of(a, b, c), pending.arrived(List.of(hash(2), hash(3), hash(4))));
        assertTrue(a.writing && b.writing && c.writing);
        assertEquals(3, pending.size(), "still pending while written: a later change can supersede them");
        assertSame(a.entry, pending.entryAt("d/a"), "a patch may use a file being written as its base");

        pending.rebase("d", "moved");
        assertEquals(List.of(b), pending.removeUnder("moved/b"));
        PendingFiles.Pending newer = pending.add(file("e/c", 5), batch, List.of(hash(5)));

        assertTrue(pending.written(a), "a rebased file is installed at its new place");
        assertEquals("moved/a", a.entry.path());
        assertFalse(pending.written(b), "a superseded file is dropped");
        assertFalse(pending.written(c), "an older version never replaces a newer pending one");
        assertEquals(1, pending.size());
        assertSame(newer.entry, pending.entryAt("e/c"));
        assertFalse(pending.written(newer), "not written yet");

        pending.wait(newer, List.of(hash(6)));
        assertFalse(newer.writing, "a file whose chunk turned out corrupt waits again");
        assertEquals(List.of(newer), pending.arrived(List.of(hash(6))));
        assertTrue(pending.written(newer));
        assertEquals(0, pending.size());
    }

    @Test
    void aPendingFileThatLeavesClosesItsPartFileAndDeletesIt(@TempDir Path tmp) throws Exception {
        List<ChunkHash> kept = new ArrayList<>();
        PartFiles parts = new PartFiles((hash, buf, len) -> {
            assertEquals(hash, ChunkHash.compute(buf, 0, len), "the bytes read back from the dropped file");
            kept.add(hash);
        });
        PendingFiles pending = new PendingFiles();
        Batch batch = new Batch(1);
        byte[] bytes = new byte[10];
        ChunkHash h = ChunkHash.compute(bytes, 0, 10);
        Manifest a = Manifest.file("a", 0644, 1L, 10, List.of(new ChunkRef(h, 10)));
        Manifest b = Manifest.file("b", 0644, 1L, 10, List.of(new ChunkRef(h, 10)));
        pending.add(a, batch, List.of(h), 0, parts.open(tmp, a.chunks()));
        pending.add(b, batch, List.of(h), 0, parts.open(tmp, b.chunks()));
        assertTrue(parts.wants(h), "a pending file's part file wants what it lacks");
        assertTrue(parts.offer(h, bytes, 0, 10));
        assertEquals(2, files(tmp), "both part files took the upload");

        pending.removeAt("a");
        assertEquals(1, files(tmp), "a superseded file's part file is deleted");
        assertEquals(List.of(h), kept, "the upload it held is kept (in a pack), not lost with it");
        pending.clear();
        assertEquals(0, files(tmp), "a session's end deletes the rest");
        assertEquals(List.of(h, h), kept, "a session's end keeps what its files held: the watcher need not send it again");
        assertFalse(parts.holds(h));
        assertEquals(0, parts.openCount());
    }

    private static long files(Path dir) throws Exception {
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
