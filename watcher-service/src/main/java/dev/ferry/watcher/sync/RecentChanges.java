package dev.ferry.watcher.sync;

import dev.ferry.protocol.Change;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.watcher.upload.BatchRecord;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The last {@link #CAPACITY} changes the store acknowledged, newest first, for /status and its screen. */
public final class RecentChanges {
    public static final int CAPACITY = 20;

    /**
     * One acknowledged change: {@code kind} upsert, delete or move; {@code from} the old path of a move;
     * {@code failed} the store's reason when it could not apply the change (null when it did).
     */
    @RegisterForReflection
    public record Entry(Instant at, String kind, String path, String from, String failed) {
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>(CAPACITY);

    /** Records the last items of an acknowledged batch (a batch of 1000 keeps only its last {@link #CAPACITY}). */
    public void acknowledged(BatchRecord batch, List<Message.Failure> failed, Instant at) {
        Map<String, String> reasons = new HashMap<>();
        for (Message.Failure f : failed) {
            reasons.put(f.path(), f.reason());
        }
        List<Change> items = batch.items();
        synchronized (entries) {
            for (Change c : items.subList(Math.max(0, items.size() - CAPACITY), items.size())) {
                if (entries.size() == CAPACITY) {
                    entries.removeLast();
                }
                entries.addFirst(entry(c, reasons.get(c.path()), at));
            }
        }
    }

    /** Newest first. */
    public List<Entry> list() {
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }

    private static Entry entry(Change c, String failed, Instant at) {
        String path = RelativePaths.printable(c.path());
        if (c instanceof Change.Delete) {
            return new Entry(at, "delete", path, null, failed);
        }
        if (c instanceof Change.Move mv) {
            return new Entry(at, "move", path, RelativePaths.printable(mv.from()), failed);
        }
        return new Entry(at, "upsert", path, null, failed);
    }
}
