package dev.ferry.watcher.config;

/** A command line the watcher cannot run with; the message is printed as is, and the process exits 2. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
