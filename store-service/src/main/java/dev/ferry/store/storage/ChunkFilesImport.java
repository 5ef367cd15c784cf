package dev.ferry.store.storage;

import dev.ferry.chunker.ChunkHash;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The upgrade of a store made before packs ({@code .ferry/chunks/ab/<hash>}, one file per chunk): each chunk that
 * hashes right and that no mirror file holds is put into a pack, the locations are committed, and only then is
 * the folder removed. A crash midway repeats it at the next start (a chunk imported twice is simply present).
 * Memory stays flat: the folders are streamed, and the chunk store flushes its staged locations as it goes.
 */
public final class ChunkFilesImport {
    private static final Logger LOG = Logger.getLogger(ChunkFilesImport.class);

    private ChunkFilesImport() {
    }

    /** Imports and removes {@code chunksDir} when it exists; the number of chunks put into packs. */
    public static long run(Path chunksDir, ChunkStore store) throws IOException {
        if (!Files.isDirectory(chunksDir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        long t0 = System.nanoTime();
        long seen = 0;
        long packed = 0;
        long skipped = 0;
        byte[] buf = new byte[store.maxChunk()];
        try (DirectoryStream<Path> fans = Files.newDirectoryStream(chunksDir)) {
            for (Path fan : fans) {
                if (!Files.isDirectory(fan, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                try (DirectoryStream<Path> files = Files.newDirectoryStream(fan)) {
                    for (Path f : files) {
                        String name = f.getFileName().toString();
                        if (!ChunkHash.isValid(name) || !name.equals(name.toLowerCase(Locale.ROOT))
                                || !Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) || Files.size(f) > buf.length
                                || Files.size(f) == 0) {
                            skipped++;
                            continue;
                        }
                        seen++;
                        ChunkHash hash = ChunkHash.parse(name);
                        if (store.read(hash, buf) >= 0) {
                            // A mirror file (or a pack) holds it intact: the chunk file is a second copy.
                            continue;
                        }
                        // No intact copy: DEST may have changed while the older store was down (the failed read
                        // marked that file damaged and dropped its regions), so the chunk file is the only copy.
                        byte[] bytes = Files.readAllBytes(f);
                        try {
                            if (store.put(hash, bytes, 0, bytes.length) == ChunkStore.Stored.STORED) {
                                packed++;
                            }
                        } catch (ChunkStore.HashMismatchException e) {
                            skipped++;
                        }
                    }
                }
            }
        }
        store.flush();
        StoreLayout.deleteTree(chunksDir);
        LOG.infof("Upgraded the chunk store: %d chunk files, %d put into packs (the others the mirror holds), %d "
                + "unusable skipped, in %d ms; .ferry/chunks removed", seen, packed, skipped,
                (System.nanoTime() - t0) / 1_000_000);
        return packed;
    }
}
