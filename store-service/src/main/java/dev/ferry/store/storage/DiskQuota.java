package dev.ferry.store.storage;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.store.config.StoreConfig;
import io.quarkus.runtime.configuration.MemorySize;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * {@code ferry.store.quota}: the most bytes the store keeps on its disk, counted as what a user sees it take: the
 * chunks kept in packs (those no mirror file holds) plus the mirror's files. File upserts reserve
 * what they will add until they are applied, so files admitted together never pass it; chunk uploads are checked
 * against what is stored. Thread-safe.
 */
@Singleton
public class DiskQuota {
    private final long limit;
    private final ChunkStore chunks;
    private final MirrorIndex index;

    @Inject
    public DiskQuota(StoreConfig config, ChunkStore chunks, MirrorIndex index) {
        this(config.store().quota().map(MemorySize::asLongValue).orElse(-1L), chunks, index);
    }

    public DiskQuota(long limit, ChunkStore chunks, MirrorIndex index) {
        this.limit = limit;
        this.chunks = chunks;
        this.index = index;
    }

    public boolean enabled() {
        return limit >= 0;
    }

    public long limit() {
        return limit;
    }

    /** Bytes counted against the quota now: live pack records plus the files of the mirror. */
    public long used() {
        return chunks.byteCount() + index.fileBytes();
    }

    /** Why adding {@code bytes} on top of {@code reserved} would pass the quota, or null when it fits. */
    public String exceeded(long bytes, long reserved) {
        if (limit < 0) {
            return null;
        }
        long used = used();
        if (used + reserved + bytes <= limit) {
            return null;
        }
        return ErrorCode.QUOTA_EXCEEDED.wire() + ": " + bytes + " more bytes would pass the store's quota of " + limit + " bytes ("
                + used + " used, " + reserved + " reserved by pending files)";
    }

    /** The words of an {@link #exceeded} answer after its code. */
    public static String detail(String exceeded) {
        return exceeded.substring(ErrorCode.QUOTA_EXCEEDED.wire().length() + 2);
    }
}
