package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** QUARKUS_LOG_CONSOLE_JSON_ENABLED=true turns both services' output into JSON lines, one record each. */
class JsonLoggingIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void bothServicesLogJsonLinesWhenAsked(@TempDir Path root) throws Exception {
        try (FerryPair pair = new FerryPair(root, "json-log")) {
            Trees.write(pair.source.resolve("hello.txt"), "structured");
            pair.env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true");
            pair.startStore();
            try (FerryProcess once = FerryProcess.watcher("json-log-once", pair.source, pair.proxy.url(), pair.env, "--once")) {
                assertEquals(0, once.awaitExit(FerryPair.SYNC_TIMEOUT), once.logTail());
                List<JsonNode> watcher = records(once.log());
                assertTrue(watcher.stream().anyMatch(r -> r.path("message").asText().startsWith("mirror in sync")),
                        once.logTail());
            }
            List<JsonNode> store = records(pair.store.log());
            assertTrue(store.stream().anyMatch(r -> r.path("message").asText().startsWith("Ferry store serving")),
                    pair.store.logTail());
        }
    }

    /** Every non-empty line is one JSON log record with a timestamp, level, logger and message. */
    private static List<JsonNode> records(String log) {
        List<JsonNode> records = new ArrayList<>();
        for (String line : log.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode r = JSON.readTree(line);
                for (String field : List.of("timestamp", "level", "loggerName", "message")) {
                    assertTrue(r.hasNonNull(field), "no " + field + " in " + line);
                }
                records.add(r);
            } catch (java.io.IOException e) {
                fail("not a JSON line: " + line + "\n" + log);
            }
        }
        assertTrue(records.size() >= 2, log);
        return records;
    }
}
