package dev.ferry.store.folder;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * Keeps the named folders' scheduled jobs off closed stacks: a job runs folder after folder unless the store is
 * stopping; the stop waits for a job under way (which ends before its next folder) and then closes the stacks.
 */
final class FolderJobGate {
    /** Held (shared) by a job under way, (exclusively) by the stop while it closes the stacks. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /** Set when the stop begins: no job starts on a folder after it. */
    private volatile boolean stopping;

    /** Runs {@code job} on each of {@code folders} in turn, none once the stop began. */
    <T> void each(Iterable<T> folders, Consumer<T> job) {
        if (stopping || !lock.readLock().tryLock()) {
            return;
        }
        try {
            for (T f : folders) {
                if (stopping) {
                    return;
                }
                job.accept(f);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Stops every job (waiting for one under way), then runs {@code close}. */
    void stop(Runnable close) {
        stopping = true;
        lock.writeLock().lock();
        try {
            close.run();
        } finally {
            lock.writeLock().unlock();
        }
    }
}
