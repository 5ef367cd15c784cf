package dev.ferry.watcher.sync;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.protocol.Change;
import dev.ferry.protocol.ChunkRef;
import dev.ferry.protocol.Manifest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A change goes as a patch only where that is shorter and the store can apply it; otherwise unchanged. */
class PatchEncoderTest {

    private static List<ChunkRef> chunks(int n, int seed) {
        List<ChunkRef> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] b = new byte[ChunkHash.LENGTH];
            b[0] = (byte) seed;
            b[1] = (byte) i;
            b[2] = (byte) (i >> 8);
            list.add(new ChunkRef(ChunkHash.of(b), 1000 + i));
        }
        return list;
    }

    private static Manifest file(String path, List<ChunkRef> chunks) {
        long size = chunks.stream().mapToLong(ChunkRef::length).sum();
        return Manifest.file(path, 0644, 1, size, chunks);
    }

    @Test
    void anEditedLargeFileGoesAsAPatchAgainstItsBase() {
        List<ChunkRef> old = chunks(100, 1);
        List<ChunkRef> edited = new ArrayList<>(old);
        edited.set(50, chunks(1, 2).get(0));
        Change upsert = new Change.Upsert(file("big", edited));
        Change wire = PatchEncoder.wireForm(upsert, new PatchEncoder.Base("big", file("big", old)));
        Change.Patch patch = assertInstanceOf(Change.Patch.class, wire);
        assertEquals("big", patch.path());
        assertEquals("big", patch.base());
    }

    @Test
    void aFileWithoutBaseOrWithFewChunksOrAllNewChunksGoesWhole() {
        Change noBase = new Change.Upsert(file("a", chunks(100, 1)));
        assertSame(noBase, PatchEncoder.wireForm(noBase, null));

        Change small = new Change.Upsert(file("s", chunks(PatchEncoder.MIN_PATCH_CHUNKS - 1, 1)));
        assertSame(small, PatchEncoder.wireForm(small, new PatchEncoder.Base("s", file("s", chunks(3, 2)))));

        Change rewritten = new Change.Upsert(file("r", chunks(100, 3)));
        assertSame(rewritten, PatchEncoder.wireForm(rewritten, new PatchEncoder.Base("r", file("r", chunks(100, 4)))),
                "a patch listing every chunk anew is no shorter than the manifest");
    }

    @Test
    void aMovedLargeFileGoesAsAMovePatchAndADeleteAsItIs() {
        Manifest moved = file("b", chunks(10, 1));
        Change.Patch patch = assertInstanceOf(Change.Patch.class, PatchEncoder.wireForm(new Change.Move("a", moved), null));
        assertTrue(patch.move());
        assertEquals("a", patch.base());
        Change delete = new Change.Delete("gone");
        assertSame(delete, PatchEncoder.wireForm(delete, null));
    }
}
