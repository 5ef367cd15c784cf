package dev.ferry.store.sync;

import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The apply thread: the one thread that changes DEST and the index, so applies never race each other or the
 * auditor. Tasks run in submission order.
 */
@Singleton
public class ApplyExecutor {
    private static final Logger LOG = Logger.getLogger(ApplyExecutor.class);
    private static final String NAME = "ferry-apply";

    /** The thread's name: one apply thread per folder, each told apart by its name ({@link #call} runs inline on it). */
    private final String name;
    private final ThreadPoolExecutor executor;

    /** The apply thread of the unnamed folder (a store of one folder). */
    public ApplyExecutor() {
        this(null);
    }

    /** The apply thread of folder {@code folder} (null: the unnamed folder). */
    public ApplyExecutor(String folder) {
        this.name = folder == null ? NAME : NAME + "-" + folder;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    private volatile Runnable idleHook = () -> { };

    /**
     * Runs {@code hook} on the apply thread after every task that leaves the queue empty (the store's group
     * commit: what the queued tasks changed is made durable once, when the burst is over).
     */
    public void whenIdle(Runnable hook) {
        idleHook = hook;
    }

    /** Queues {@code task}; an exception it throws is logged, never lost silently. */
    public void submit(Runnable task) {
        executor.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                LOG.error("Apply task failed", e);
            }
            afterTask();
        });
    }

    private void afterTask() {
        if (executor.getQueue().isEmpty()) {
            try {
                idleHook.run();
            } catch (RuntimeException | Error e) {
                LOG.error("Apply idle hook failed", e);
            }
        }
    }

    /** Runs {@code task} on the apply thread and waits for its result (inline when already on it). */
    public <T> T call(Callable<T> task) throws Exception {
        if (Thread.currentThread().getName().equals(name)) {
            return task.call();
        }
        Future<T> f = executor.submit(() -> {
            try {
                return task.call();
            } finally {
                afterTask();
            }
        });
        try {
            return f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.cancel(false);
            throw e;
        }
    }

    /** False once the apply thread stopped taking tasks (shutdown). */
    public boolean running() {
        return !executor.isShutdown();
    }

    /** Stops taking tasks and waits a little for the running one. */
    public void shutdown() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("Apply thread still busy at shutdown");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
