package dev.ferry.watcher.restore;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where this restore already wrote a chunk (file and offset), for the files after it that hold the same chunk
 * (copies, shared blocks): read back hash-checked instead of fetched again. Thread-safe. Bounded: the least recently used
 * entries go past {@link #CAPACITY}, so memory stays flat however large the tree (a forgotten chunk is fetched).
 */
final class WrittenChunks {
    static final int CAPACITY = 65_536;

    private record Place(Path file, long offset) {
    }

    private final Map<ChunkHash, Place> places = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ChunkHash, Place> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void add(ChunkHash hash, Path file, long offset) {
        places.putIfAbsent(hash, new Place(file, offset));
    }

    /** True when this restore wrote the chunk somewhere it still remembers (not read: it may have changed since). */
    synchronized boolean holds(ChunkHash hash) {
        return places.containsKey(hash);
    }

    /** The chunk's bytes from a file this restore wrote, checked against its hash; null when not found (now). */
    byte[] read(ChunkHash hash, int length) {
        Place place;
        synchronized (this) {
            place = places.get(hash);
        }
        if (place == null) {
            return null;
        }
        ByteBuffer buf = ByteBuffer.allocate(length);
        try (FileChannel ch = FileChannel.open(place.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (buf.hasRemaining()) {
                if (ch.read(buf, place.offset() + buf.position()) < 0) {
                    break;
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            forget(hash, place);
            return null;
        }
        byte[] bytes = buf.array();
        if (buf.hasRemaining() || !ChunkHash.compute(bytes, 0, length).equals(hash)) {
            forget(hash, place);
            return null;
        }
        return bytes;
    }

    private synchronized void forget(ChunkHash hash, Place place) {
        places.remove(hash, place);
    }
}
