package dev.ferry.watcher.progress;

/** How the watcher shows its progress ({@code ferry.watcher.progress}). */
public enum ProgressMode {
    /** A redrawn progress line when stdin and stdout are a terminal (and logging is not JSON), else log lines. */
    AUTO,
    /** Always the redrawn progress line and short per-change lines. */
    TERMINAL,
    /** Always periodic log lines. */
    LOG;

    /** The mode to use: {@code console} says whether a terminal is attached, {@code jsonLogs} whether logs are JSON. */
    public boolean terminal(boolean console, boolean jsonLogs) {
        return this == TERMINAL || (this == AUTO && console && !jsonLogs);
    }
}
