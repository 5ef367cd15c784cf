package dev.ferry.store;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;

/** Puts DEST in a fresh temporary directory for each application start. */
public class TempDestProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Map<String, String> config = new HashMap<>();
            config.put("ferry.store.dest", Files.createTempDirectory("ferry-store-test-").toString());
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
