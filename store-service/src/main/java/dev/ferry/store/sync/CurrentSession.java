package dev.ferry.store.sync;

/**
 * The store's one syncing session (a newer hello replaces it), shared by the roles that answer it. Set on the
 * apply thread; read from any thread (status, metrics, a dry run's ownership check).
 */
final class CurrentSession {
    private volatile SyncSession session;

    /** The current session as set, open or not. */
    SyncSession get() {
        return session;
    }

    /** The current session, or null (also when its socket closed without a close event). */
    SyncSession open() {
        SyncSession s = session;
        return s != null && s.isOpen() ? s : null;
    }

    void set(SyncSession s) {
        session = s;
    }
}
