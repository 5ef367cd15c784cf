package dev.ferry.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** A source folder, a destination folder, a real store, a byte-counting proxy and a real watcher. */
final class FerryPair implements AutoCloseable {
    static final Duration SYNC_TIMEOUT = Duration.ofSeconds(60);

    final Path source;
    final Path dest;
    final Path stateDir;
    final String name;
    final Map<String, String> env = new HashMap<>();
    FerryProcess store;
    FerryProcess watcher;
    LoopbackProxy proxy;
    private int storeStarts;

    FerryPair(Path root, String name) throws IOException {
        this.name = name;
        this.source = Files.createDirectories(root.resolve("source"));
        this.dest = root.resolve("dest");
        this.stateDir = root.resolve("watcher-state");
        env.put("FERRY_WATCHER_STATE_DIR", stateDir.toString());
    }

    FerryPair startStore() throws IOException {
        store = FerryProcess.store(name + "-store", dest, env);
        proxy = new LoopbackProxy(store.httpPort);
        return this;
    }

    /**
     * Stops the store (SIGTERM) and starts it again on the same port, DEST and environment, waiting until it is
     * ready; the proxy and a running watcher stay, and the watcher reconnects by itself.
     */
    FerryPair restartStore() throws InterruptedException {
        int port = store.httpPort;
        store.close();
        store = FerryProcess.storeOnPort(name + "-store-" + (++storeStarts), dest, port, env);
        store.awaitReady(Duration.ofSeconds(60));
        return this;
    }

    FerryPair startWatcher(String... extra) {
        watcher = FerryProcess.watcher(name + "-watcher", source, proxy.url(), env, extra);
        return this;
    }

    /** Runs a one-shot watcher to completion and returns its exit code. */
    int runOnce(String suffix) throws InterruptedException {
        try (FerryProcess once = FerryProcess.watcher(name + "-once-" + suffix, source, proxy.url(), env, "--once")) {
            return once.awaitExit(SYNC_TIMEOUT);
        }
    }

    void awaitMirror() {
        awaitMirror(SYNC_TIMEOUT);
    }

    void awaitMirror(Duration timeout) {
        FerryProcess[] logs = watcher == null ? new FerryProcess[] {store} : new FerryProcess[] {store, watcher};
        Trees.awaitMirror(source, dest, timeout, logs);
    }

    void stopWatcher() throws InterruptedException {
        if (watcher != null) {
            watcher.close();
            watcher = null;
        }
    }

    @Override
    public void close() throws Exception {
        stopWatcher();
        if (store != null) {
            store.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }
}
