package dev.ferry.watcher.restore;

import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.Chunker;
import dev.ferry.protocol.ChunkRef;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The chunks of one file being restored that local files already hold: each candidate (the file at the same path
 * under TARGET, the one under SOURCE) is cut with the store's chunker, and the wanted chunks found in it are read
 * from there, hash-checked again when read (the file may have changed since). Holds one file's chunk positions,
 * never a tree's; never follows a symlink.
 */
final class LocalChunks implements Closeable {
    private record Place(int file, long offset) {
    }

    private final List<FileChannel> files = new ArrayList<>();
    private final Map<ChunkHash, Place> places = new HashMap<>();
    private boolean firstIsIdentical;

    private LocalChunks() {
    }

    /**
     * Finds the chunks of {@code wanted} in {@code candidates} (missing or unreadable ones are skipped). Also tells
     * whether the first candidate holds exactly {@code wanted}'s chunks in order ({@link #firstIsIdentical()}).
     */
    static LocalChunks find(Chunker chunker, List<ChunkRef> wanted, List<Path> candidates) {
        LocalChunks found = new LocalChunks();
        Set<ChunkHash> needed = new HashSet<>();
        for (ChunkRef c : wanted) {
            needed.add(c.hash());
        }
        for (int i = 0; i < candidates.size(); i++) {
            FileChannel ch = open(candidates.get(i));
            if (ch == null) {
                continue;
            }
            int index = found.files.size();
            found.files.add(ch);
            boolean first = i == 0;
            int[] position = {0};
            boolean[] same = {first};
            try {
                InputStream in = Channels.newInputStream(ch.position(0));
                chunker.split(in, ch.size(), (chunk, buf, off) -> {
                    if (needed.contains(chunk.hash())) {
                        found.places.putIfAbsent(chunk.hash(), new Place(index, chunk.offset()));
                    }
                    if (same[0]) {
                        int at = position[0]++;
                        same[0] = at < wanted.size() && wanted.get(at).hash().equals(chunk.hash())
                                && wanted.get(at).length() == chunk.length();
                    }
                });
                if (first) {
                    found.firstIsIdentical = same[0] && position[0] == wanted.size();
                }
            } catch (IOException e) {
                // A candidate that cannot be read gives what it gave so far; the rest comes from the store.
                if (first) {
                    found.firstIsIdentical = false;
                }
            }
        }
        return found;
    }

    /** True when the first candidate already holds the wanted content, chunk for chunk. */
    boolean firstIsIdentical() {
        return firstIsIdentical;
    }

    /** The chunk's bytes from a local file, checked against its hash; null when no local file holds it (now). */
    byte[] read(ChunkHash hash, int length) {
        Place place = places.get(hash);
        if (place == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        try {
            FileChannel ch = files.get(place.file());
            while (buf.hasRemaining()) {
                if (ch.read(buf, place.offset() + buf.position()) < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            places.remove(hash);
            return null;
        }
        byte[] bytes = buf.array();
        if (buf.hasRemaining() || !ChunkHash.compute(bytes, 0, length).equals(hash)) {
            places.remove(hash);
            return null;
        }
        return bytes;
    }

    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    @Override
    public void close() {
        for (FileChannel ch : files) {
            try {
                ch.close();
            } catch (IOException e) {
                // Read-only: nothing is lost.
            }
        }
    }
}
