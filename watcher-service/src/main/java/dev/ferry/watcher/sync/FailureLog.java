package dev.ferry.watcher.sync;

import dev.ferry.protocol.RelativePaths;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paths the store failed to apply since the mirror was last confirmed, with the reason, so a failure that
 * repeats on every retry (a full disk) is logged once at warning level and then summarised, not spammed.
 * Thread-safe.
 */
final class FailureLog {
    private static final int MAX = 10_000;

    private final Map<String, String> reasons = new LinkedHashMap<>();

    /** Records a failure; true when this path had not failed for this reason before. */
    synchronized boolean isNew(String path, String reason) {
        String key = String.valueOf(path);
        String had = reasons.get(key);
        if (reason != null && reason.equals(had)) {
            return false;
        }
        if (reasons.size() < MAX || had != null) {
            reasons.put(key, reason);
        }
        return true;
    }

    synchronized boolean any() {
        return !reasons.isEmpty();
    }

    synchronized void clear() {
        reasons.clear();
    }

    /** "" when nothing failed, else ": N entries failed to apply, the last one <path>: <reason>". */
    synchronized String summary() {
        if (reasons.isEmpty()) {
            return "";
        }
        Map.Entry<String, String> last = null;
        for (Map.Entry<String, String> e : reasons.entrySet()) {
            last = e;
        }
        return ": " + reasons.size() + (reasons.size() == 1 ? " entry fails" : " entries fail") + " to apply, e.g. "
                + RelativePaths.printable(last.getKey()) + ": " + last.getValue();
    }
}
