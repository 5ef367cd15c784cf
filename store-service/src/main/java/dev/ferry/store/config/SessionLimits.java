package dev.ferry.store.config;

/** Limits derived from what the process can hold, for the settings whose default depends on the heap. */
public final class SessionLimits {
    /** Share of the heap one session may hold when {@code ferry.store.max-session-bytes} is unset: a quarter. */
    static final int HEAP_SHARE = 4;

    private SessionLimits() {
    }

    /** {@code ferry.store.max-session-bytes}, or a quarter of {@code maxHeap} when unset. */
    public static long maxSessionBytes(StoreConfig config, long maxHeap) {
        return config.store().maxSessionBytes().map(m -> m.asLongValue()).orElse(defaultSessionBytes(maxHeap));
    }

    /** A quarter of {@code maxHeap} ({@link Runtime#maxMemory()}), at least 1 MiB. */
    public static long defaultSessionBytes(long maxHeap) {
        long heap = maxHeap <= 0 || maxHeap == Long.MAX_VALUE ? 1L << 30 : maxHeap;
        return Math.max(1L << 20, heap / HEAP_SHARE);
    }
}
