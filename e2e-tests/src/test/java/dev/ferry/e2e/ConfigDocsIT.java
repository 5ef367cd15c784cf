package dev.ferry.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every {@code ferry.*} key of both services' config mappings has a row in the README's configuration table (with
 * its env form and its default) and appears with its env form in docs/OPERATIONS.md; and neither document names a
 * {@code ferry.*} key that the code does not have. The keys come from the code ({@link ConfigKeys}).
 */
class ConfigDocsIT {

    @Test
    void readmeTableAndOperationsGuideMatchTheConfigMappings() throws Exception {
        List<ConfigKeys.Key> keys = new ArrayList<>(ConfigKeys.mappingKeys("store-service"));
        keys.addAll(ConfigKeys.mappingKeys("watcher-service"));
        Map<String, String[]> readme = tableRows(Files.readString(ConfigKeys.root().resolve("README.md")));
        String operations = Files.readString(ConfigKeys.root().resolve("docs/OPERATIONS.md"));
        Map<String, String[]> opsRows = tableRows(operations);

        List<String> problems = new ArrayList<>();
        TreeSet<String> known = new TreeSet<>();
        for (ConfigKeys.Key k : keys) {
            known.add(k.name());
            for (var doc : List.of(Map.entry("README.md", readme), Map.entry("docs/OPERATIONS.md", opsRows))) {
                String[] row = doc.getValue().get(k.name());
                if (row == null) {
                    problems.add(doc.getKey() + ": no table row for " + k.name());
                } else if (!row[0].contains("`" + k.env() + "`")) {
                    problems.add(doc.getKey() + ": the row of " + k.name() + " does not name " + k.env());
                } else if (k.defaultValue() != null && !row[2].contains(k.defaultValue())) {
                    problems.add(doc.getKey() + ": the row of " + k.name() + " says default '" + row[2].trim()
                            + "', the code " + k.defaultValue());
                }
            }
        }
        for (var doc : List.of(Map.entry("README.md", readme), Map.entry("docs/OPERATIONS.md", opsRows))) {
            for (String documented : doc.getValue().keySet()) {
                if (documented.startsWith("ferry.") && !known.contains(documented)) {
                    problems.add(doc.getKey() + " documents " + documented + ", which no config mapping has");
                }
            }
        }
        assertEquals(List.of(), problems, "keys in the code: " + known);
        assertTrue(known.containsAll(List.of("ferry.token", "ferry.store.dest", "ferry.store.min-free-disk",
                "ferry.store-url", "ferry.watcher.state-dir", "ferry.watcher.progress")), "the walk finds the keys: " + known);
    }

    /** Table rows {@code | `ENV` | `key` | default | ...} by key (the second cell, backquotes removed). */
    static Map<String, String[]> tableRows(String markdown) {
        Map<String, String[]> rows = new HashMap<>();
        for (String line : markdown.split("\n")) {
            if (!line.startsWith("|")) {
                continue;
            }
            String[] cells = line.substring(1).split("\\|");
            if (cells.length >= 3) {
                String key = cells[1].trim().replace("`", "");
                if (key.startsWith("ferry.") || key.startsWith("quarkus.")) {
                    rows.put(key, cells);
                }
            }
        }
        return rows;
    }

    static Path operations() {
        return ConfigKeys.root().resolve("docs/OPERATIONS.md");
    }
}
