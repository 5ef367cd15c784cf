package dev.ferry.watcher.progress;

import io.quarkus.logging.LoggingFilter;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Console log filter (quarkus.log.console.filter=ferry-progress) that lets every record through, after removing
 * the terminal's progress line so the record starts at the beginning of a clean line.
 */
@LoggingFilter(name = "ferry-progress")
public final class ProgressLogFilter implements Filter {
    @Override
    public boolean isLoggable(LogRecord record) {
        TerminalDisplay.beforeLogRecord();
        return true;
    }
}
