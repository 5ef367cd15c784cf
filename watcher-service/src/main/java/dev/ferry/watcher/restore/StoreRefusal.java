package dev.ferry.watcher.restore;

import java.io.IOException;

/** The store answered a version request with an error: its HTTP status, its error code and its message. */
public final class StoreRefusal extends IOException {
    private final int status;
    private final String code;

    public StoreRefusal(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code == null ? "" : code;
    }

    public int status() {
        return status;
    }

    /** The {@code error} field of the answer ({@code not-found}, {@code no-such-folder}...), or "". */
    public String code() {
        return code;
    }

    /** True for a 404 {@code not-found}: nothing at that path (at that time). */
    public boolean notFound() {
        return status == 404 && (code.isEmpty() || code.equals("not-found"));
    }
}
