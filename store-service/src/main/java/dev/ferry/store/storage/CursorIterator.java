package dev.ferry.store.storage;

import org.h2.mvstore.Cursor;

import java.util.Iterator;
import java.util.function.BiFunction;

/** An MVStore cursor seen as an iterator of what {@code read} makes of each key and value: one page on the heap. */
final class CursorIterator<K, V, T> implements Iterator<T> {
    private final Cursor<K, V> cursor;
    private final BiFunction<K, V, T> read;

    CursorIterator(Cursor<K, V> cursor, BiFunction<K, V, T> read) {
        this.cursor = cursor;
        this.read = read;
    }

    @Override
    public boolean hasNext() {
        return cursor.hasNext();
    }

    @Override
    public T next() {
        K key = cursor.next();
        return read.apply(key, cursor.getValue());
    }
}
