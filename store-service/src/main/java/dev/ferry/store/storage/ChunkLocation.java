package dev.ferry.store.storage;

import dev.ferry.store.storage.pack.PackStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

import java.nio.ByteBuffer;

/**
 * Where a chunk no mirror file holds lies in the pack store, and when it was last stored or uploaded again
 * ({@code touchedMillis}: its age for garbage collection). A value of the {@code chunk-locations} map.
 */
public record ChunkLocation(long pack, long offset, int length, long touchedMillis) {

    public static ChunkLocation of(PackStore.Location l, long touchedMillis) {
        return new ChunkLocation(l.pack(), l.offset(), l.length(), touchedMillis);
    }

    public PackStore.Location location() {
        return new PackStore.Location(pack, offset, length);
    }

    public ChunkLocation touched(long millis) {
        return new ChunkLocation(pack, offset, length, millis);
    }

    /** Fixed 28 bytes a value; no Java serialization (native images). */
    public static final class Type extends BasicDataType<ChunkLocation> {
        public static final Type INSTANCE = new Type();

        @Override
        public int getMemory(ChunkLocation obj) {
            return 48;
        }

        @Override
        public void write(WriteBuffer buff, ChunkLocation obj) {
            buff.putLong(obj.pack).putLong(obj.offset).putInt(obj.length).putLong(obj.touchedMillis);
        }

        @Override
        public ChunkLocation read(ByteBuffer buff) {
            return new ChunkLocation(buff.getLong(), buff.getLong(), buff.getInt(), buff.getLong());
        }

        @Override
        public ChunkLocation[] createStorage(int size) {
            return new ChunkLocation[size];
        }
    }
}
