package dev.ferry.store.storage.pack;

import dev.ferry.chunker.ChunkHash;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal {@link PackStore} over files {@code <16 hex>.pack} in one folder, until {@code LocalPackStore} lands:
 * records of a 32-byte hash, a 4-byte big-endian length and the bytes. Each start begins a new pack. Thread-safe.
 */
public final class TemporaryFilePackStore implements PackStore {
    static final int HEADER = ChunkHash.LENGTH + 4;
    private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    private final Path dir;
    private final long packLimit;
    private final Map<Long, FileChannel> readers = new HashMap<>();
    private FileChannel filling;
    private long fillingId = -1;
    private long fillingSize;
    private long nextId;
    private boolean dirty;

    public TemporaryFilePackStore(Path dir, long packLimit) throws IOException {
        this.dir = dir;
        this.packLimit = packLimit;
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        long max = -1;
        for (PackInfo p : packs()) {
            max = Math.max(max, p.pack());
        }
        nextId = max + 1;
    }

    private Path pathOf(long pack) {
        return dir.resolve(String.format("%016x.pack", pack));
    }

    @Override
    public synchronized Location append(ChunkHash hash, byte[] buf, int off, int len) throws IOException {
        if (filling == null || fillingSize + HEADER + len > packLimit) {
            closeFilling();
            fillingId = nextId++;
            filling = FileChannel.open(pathOf(fillingId), java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, StandardOpenOption.READ), PRIVATE);
            fillingSize = 0;
            dirty = true;
        }
        ByteBuffer head = ByteBuffer.allocate(HEADER);
        head.put(hash.toBytes()).putInt(len).flip();
        ByteBuffer body = ByteBuffer.wrap(buf, off, len);
        long at = fillingSize;
        while (head.hasRemaining()) {
            at += filling.write(head, at);
        }
        while (body.hasRemaining()) {
            at += filling.write(body, at);
        }
        Location loc = new Location(fillingId, fillingSize + HEADER, len);
        fillingSize = at;
        dirty = true;
        return loc;
    }

    private void closeFilling() throws IOException {
        if (filling != null) {
            if (dirty) {
                filling.force(true);
            }
            filling.close();
            filling = null;
            fillingId = -1;
        }
    }

    @Override
    public int read(Location location, byte[] buf) throws IOException {
        FileChannel ch;
        synchronized (this) {
            ch = location.pack() == fillingId ? filling : readers.get(location.pack());
            if (ch == null) {
                try {
                    ch = FileChannel.open(pathOf(location.pack()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    return -1;
                }
                readers.put(location.pack(), ch);
            }
        }
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, location.length());
        long at = location.offset();
        try {
            while (bb.hasRemaining()) {
                int n = ch.read(bb, at);
                if (n < 0) {
                    return -1;
                }
                at += n;
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            return -1;
        }
        return location.length();
    }

    @Override
    public synchronized void sync() throws IOException {
        if (filling != null && dirty) {
            filling.force(true);
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // Some file systems cannot open a folder for fsync; the pack's data is durable either way.
            }
            dirty = false;
        }
    }

    @Override
    public synchronized List<PackInfo> packs() throws IOException {
        List<PackInfo> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.pack")) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                try {
                    long id = Long.parseUnsignedLong(name.substring(0, name.length() - 5), 16);
                    out.add(new PackInfo(id, Files.size(f), Files.getLastModifiedTime(f).toInstant()));
                } catch (NumberFormatException | NoSuchFileException e) {
                    // not a pack of ours, or deleted meanwhile
                }
            }
        }
        return out;
    }

    @Override
    public synchronized List<Record> records(long pack) throws IOException {
        List<Record> out = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(pathOf(pack), StandardOpenOption.READ)) {
            long size = ch.size();
            long at = 0;
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (at + HEADER <= size) {
                head.clear();
                ch.read(head, at);
                head.flip();
                byte[] h = new byte[ChunkHash.LENGTH];
                head.get(h);
                int len = head.getInt();
                if (len <= 0 || at + HEADER + len > size) {
                    break;
                }
                out.add(new Record(ChunkHash.of(h), new Location(pack, at + HEADER, len)));
                at += HEADER + len;
            }
        } catch (NoSuchFileException e) {
            return out;
        }
        return out;
    }

    @Override
    public synchronized void delete(long pack) throws IOException {
        if (pack == fillingId) {
            closeFilling();
        }
        FileChannel r = readers.remove(pack);
        if (r != null) {
            r.close();
        }
        Files.deleteIfExists(pathOf(pack));
    }

    @Override
    public synchronized void close() throws IOException {
        closeFilling();
        for (FileChannel r : readers.values()) {
            r.close();
        }
        readers.clear();
    }

    /** For status: the id of the pack being filled, or -1. */
    public synchronized long fillingPack() {
        return fillingId;
    }
}
