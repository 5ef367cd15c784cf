package dev.ferry.watcher.upload;

import dev.ferry.protocol.Change;

import java.util.List;

/**
 * A {@code changes} batch sent and not yet acknowledged. Its items are kept so that the chunks the store asks for
 * can be found in their source files, and so that the acknowledgement can be logged.
 */
public record BatchRecord(long number, List<Change> items, long sentAtNanos) {
}
