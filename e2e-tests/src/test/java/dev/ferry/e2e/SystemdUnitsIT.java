package dev.ferry.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example systemd units in docs/systemd/: valid for systemd, sandboxed, and their env files name real settings. */
class SystemdUnitsIT {
    private static final Path DIR = ConfigKeys.root().resolve("docs/systemd");

    @Test
    void envFilesNameOnlySettingsTheServicesRead() throws Exception {
        check("ferry-store.env", "store-service");
        check("ferry-watcher.env", "watcher-service");
    }

    @Test
    void unitsAreSandboxedAndRestartOnFailure() throws Exception {
        for (String unit : List.of("ferry-store.service", "ferry-watcher.service")) {
            String text = Files.readString(DIR.resolve(unit));
            for (String line : List.of("NoNewPrivileges=yes", "ProtectSystem=strict", "Restart=on-failure", "PrivateTmp=yes",
                    "EnvironmentFile=/etc/ferry/")) {
                assertTrue(text.contains(line), unit + " has " + line);
            }
        }
        assertTrue(Files.readString(DIR.resolve("ferry-store.service")).contains("ReadWritePaths=/srv/ferry"));
        assertTrue(Files.readString(DIR.resolve("ferry-store.env")).contains("FERRY_STORE_DEST=/srv/ferry/"),
                "DEST lies in the store's only writable path");
    }

    @Test
    void systemdAcceptsTheUnits() throws Exception {
        Assumptions.assumeTrue(new File("/usr/bin/systemd-analyze").canExecute(), "systemd-analyze is not installed");
        Process p = new ProcessBuilder("/usr/bin/systemd-analyze", "verify",
                DIR.resolve("ferry-store.service").toString(), DIR.resolve("ferry-watcher.service").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify has no complaint");
    }

    private static void check(String envFile, String module) throws Exception {
        Set<String> known = new TreeSet<>();
        ConfigKeys.mappingKeys(module).forEach(k -> known.add(k.env()));
        ConfigKeys.propertyKeys(module).forEach(k -> known.add(ConfigKeys.env(k)));
        for (String line : Files.readAllLines(DIR.resolve(envFile))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String name = line.substring(0, line.indexOf('='));
            assertTrue(known.contains(name), envFile + ": " + name + " is not a setting of the " + module);
        }
    }
}
