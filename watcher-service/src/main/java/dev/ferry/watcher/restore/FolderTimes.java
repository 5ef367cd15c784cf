package dev.ferry.watcher.restore;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The mode and mtime of every restored folder, set once nothing more is written into it: kept in a scratch file
 * (not the heap, whatever the tree's size) and given back last first. The tree arrives in path order, where a
 * folder comes before everything below it, so last first is children before their parents: a folder's time is set
 * after its subfolders' (setting theirs does not touch it), and a read-only folder is made so after its content.
 */
final class FolderTimes implements Closeable {
    /** One restored folder: its path relative to TARGET ("" for TARGET itself), mode and mtime. */
    record Folder(String relative, int mode, long mtimeNs) {
    }

    /** Receives the folders, children before parents. */
    @FunctionalInterface
    interface Sink {
        void accept(Folder folder) throws IOException;
    }

    private final Path file;
    private final DataOutputStream out;

    FolderTimes() throws IOException {
        file = Files.createTempFile("ferry-restore-folders", ".bin");
        out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE)));
    }

    void add(String relative, int mode, long mtimeNs) throws IOException {
        byte[] path = relative.getBytes(StandardCharsets.UTF_8);
        out.writeInt(path.length);
        out.write(path);
        out.writeInt(mode);
        out.writeLong(mtimeNs);
        // The record's own length last, so the file can be read from its end.
        out.writeInt(4 + path.length + 4 + 8 + 4);
    }

    /** Hands every folder to {@code sink}, the last added first. */
    void replay(Sink sink) throws IOException {
        out.flush();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long end = ch.size();
            ByteBuffer len = ByteBuffer.allocate(4);
            while (end > 0) {
                len.clear();
                readFully(ch, len, end - 4);
                int size = len.flip().getInt();
                ByteBuffer record = ByteBuffer.allocate(size);
                readFully(ch, record, end - size);
                record.flip();
                byte[] path = new byte[record.getInt()];
                record.get(path);
                sink.accept(new Folder(new String(path, StandardCharsets.UTF_8), record.getInt(), record.getLong()));
                end -= size;
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf, at + buf.position()) < 0) {
                throw new IOException("the scratch file of folder times ends early");
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
