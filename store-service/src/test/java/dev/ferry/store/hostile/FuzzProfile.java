package dev.ferry.store.hostile;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** DEST inside a fresh base folder whose other contents (canaries, a sibling tree) the fuzz test watches. */
public class FuzzProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path base = Files.createTempDirectory("ferry-fuzz-");
            Map<String, String> config = new HashMap<>();
            config.put("ferry.store.dest", base.resolve("dest").toString());
            // The auditor would remove the links the test plants; the fuzz test replants them itself.
            config.put("ferry.store.audit", "false");
            config.put("ferry.store.quota", "1G");
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
