package dev.ferry.store.storage;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An iterator that finds each element one ahead with {@link #advance}, for walks that skip or merge while they read
 * (a cursor's range, two cursors merged). The first element is looked for at the first {@code hasNext}, after the
 * subclass is built.
 */
public abstract class LookaheadIterator<T> implements Iterator<T> {
    private T next;
    private boolean started;

    /** The next element, or null when there is none. */
    protected abstract T advance();

    @Override
    public final boolean hasNext() {
        if (!started) {
            next = advance();
            started = true;
        }
        return next != null;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T t = next;
        next = advance();
        return t;
    }
}
