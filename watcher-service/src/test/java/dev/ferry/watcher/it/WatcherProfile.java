package dev.ferry.watcher.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A watcher of a fresh source folder (FERRY_WATCHER_SOURCE's property form, since an integration test cannot pass
 * arguments) with three files, pointed at a store that is not there: it scans and hashes, then keeps retrying.
 */
public class WatcherProfile implements QuarkusTestProfile {
    static final int FILES = 3;
    static final int FILE_BYTES = 300_000;

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path root = Files.createTempDirectory("ferry-watcher-it-");
            Path source = Files.createDirectories(root.resolve("source"));
            java.util.Random random = new java.util.Random(42);
            for (int i = 0; i < FILES; i++) {
                byte[] data = new byte[FILE_BYTES];
                random.nextBytes(data);
                Files.write(source.resolve("file-" + i + ".bin"), data);
            }
            return Map.of("ferry.watcher.source", source.toString(),
                    "ferry.store-url", "http://127.0.0.1:" + closedPort(),
                    "ferry.watcher.state-dir", root.resolve("state").toString(),
                    "ferry.watcher.retry-max-delay", "1s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int closedPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
