package dev.ferry.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.JavascriptExecutor;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The store's status page in headless Chromium (Debian's chromium and chromedriver, driven by Selenium) after a real
 * sync: it asks for the token, keeps it in sessionStorage, and shows the store's real state (watcher, bytes stored,
 * dedup ratio, lag, disk free, last changes), refreshing by itself when the source changes.
 */
class StatusPageIT {
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
    private static final String TOKEN = "page-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    private static void requireChromium() {
        boolean installed = new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute();
        if (!installed) {
            String why = "Chromium or chromedriver is missing (" + CHROMIUM + ", " + CHROMEDRIVER + "): apt-get install chromium chromium-driver";
            if ("true".equals(System.getenv("CI_REQUIRE_CHROMIUM"))) {
                fail(why + " (.ci/run installs them and sets CI_REQUIRE_CHROMIUM=true)");
            }
            System.err.println("\n*** StatusPageIT SKIPPED: " + why + " ***\n");
            Assumptions.abort(why);
        }
    }

    /** A store of many folders: the page shows a picker, and the status of the folder picked. */
    @Test
    void aStoreOfManyFoldersHasAFolderPicker(@TempDir Path root) throws Exception {
        requireChromium();
        try (FerryPair pair = new FerryPair(root, "status-folders")) {
            pair.env.put("FERRY_TOKEN", TOKEN);
            pair.env.put("FERRY_STORE_FOLDERS", "one,two");
            pair.startStore();
            WebDriver browser = chromium(root.resolve("chromium-profile"));
            try {
                browser.get(pair.store.url() + "/");
                await("the token form", () -> browser.findElement(By.id("token-form")).isDisplayed());
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.id("token-submit")).click();
                await("the status", () -> browser.findElement(By.id("status")).isDisplayed());
                assertTrue(browser.findElement(By.id("folder-picker")).isDisplayed(), "a picker on a store of folders");
                assertEquals(List.of("one", "two"), texts(browser, "#folder option"));
                String one = pair.dest.toRealPath().resolve("one").toString();
                String two = pair.dest.toRealPath().resolve("two").toString();
                await("folder one's status", () -> browser.findElement(By.id("dest")).getText().equals(one));
                browser.findElement(By.cssSelector("#folder option[value='two']")).click();
                await("folder two's status once picked", () -> browser.findElement(By.id("dest")).getText().equals(two));
                browser.navigate().refresh();
                await("the folder picked is kept", () -> browser.findElement(By.id("dest")).getText().equals(two));
            } finally {
                browser.quit();
            }
        }
    }

    @Test
    void showsTheRealStateAfterASyncAndRefreshesItself(@TempDir Path root) throws Exception {
        requireChromium();
        try (FerryPair pair = new FerryPair(root, "status-page")) {
            byte[] shared = Trees.random(7, 300_000);
            Files.write(Files.createDirectories(pair.source.resolve("docs")).resolve("a.bin"), shared);
            Files.write(pair.source.resolve("docs/copy-of-a.bin"), shared);
            Trees.write(pair.source.resolve("readme.txt"), "<b>not html</b>");
            pair.env.put("FERRY_TOKEN", TOKEN);
            pair.startStore().startWatcher();
            pair.awaitMirror();

            WebDriver browser = chromium(root.resolve("chromium-profile"));
            try {
                browser.get(pair.store.url() + "/");
                await("the token form", () -> browser.findElement(By.id("token-form")).isDisplayed());
                assertFalse(browser.findElement(By.id("status")).isDisplayed(), "no data without the token");
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.id("token-submit")).click();
                await("the status", () -> browser.findElement(By.id("status")).isDisplayed());
                assertEquals(TOKEN, ((JavascriptExecutor) browser).executeScript("return sessionStorage.getItem('ferry-token')"));
                assertFalse(browser.findElement(By.id("folder-picker")).isDisplayed(), "no picker on a store of one folder");

                JsonNode s = status(pair.store.url());
                await("the page to show the store's bytes", () -> value(browser, "bytes-stored").equals(s.path("bytesStored").asText()));
                assertEquals(s.path("mirrorBytes").asLong(), Long.parseLong(value(browser, "mirror-bytes")));
                assertEquals(2 * 300_000 + "<b>not html</b>".length(), s.path("mirrorBytes").asLong());
                double ratio = Double.parseDouble(value(browser, "dedup-ratio"));
                assertEquals(s.path("dedupRatio").asDouble(), ratio, 1e-9);
                assertTrue(ratio > 1.9, "two copies of one file are stored once: " + ratio);
                assertTrue(Long.parseLong(value(browser, "disk-free")) > 0);
                assertEquals(0.0, Double.parseDouble(value(browser, "lag")), "in sync: no lag");
                String clientId = s.path("watchers").path(0).path("clientId").asText();
                assertFalse(clientId.isEmpty());
                assertEquals(List.of(clientId), texts(browser, "#watchers td.watcher"));
                List<String> paths = texts(browser, "#changes td.path");
                assertTrue(paths.containsAll(List.of("docs/a.bin", "docs/copy-of-a.bin", "readme.txt")), paths.toString());
                assertTrue(browser.findElements(By.tagName("b")).isEmpty(), "a path is text, never HTML");

                Trees.write(pair.source.resolve("later.txt"), "arrives while the page is open");
                await("the page to refresh itself with the new change",
                        () -> texts(browser, "#changes td.path").contains("later.txt"));

                browser.navigate().refresh();
                await("the status again, without asking for the token",
                        () -> browser.findElement(By.id("status")).isDisplayed());
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * A replaced and a deleted file: the page's versions view lists them (newest of the folder, then one path's), with
     * the size and the restore command that selects each, and its download button saves the old bytes.
     */
    @Test
    void showsAReplacedFilesVersionsWithItsRestoreCommandAndDownloadsTheOldBytes(@TempDir Path root) throws Exception {
        requireChromium();
        try (FerryPair pair = new FerryPair(root, "status-versions")) {
            String path = "notes/plan <b>v 'x'.txt";
            byte[] first = Trees.random(11, 70_000);
            Files.write(Files.createDirectories(pair.source.resolve("notes")).resolve(path.substring(6)), first);
            Trees.write(pair.source.resolve("gone.txt"), "deleted soon");
            pair.env.put("FERRY_TOKEN", TOKEN);
            pair.startStore().startWatcher();
            pair.awaitMirror();
            // Replaced by a rename from outside SOURCE: the watcher sees one change, never a half-written file.
            Path staged = Files.write(Files.createDirectories(root.resolve("staging")).resolve("plan"), Trees.random(12, 5_000));
            Files.move(staged, pair.source.resolve(path), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.delete(pair.source.resolve("gone.txt"));
            pair.awaitMirror();
            await("the store to keep the replaced file's version",
                    () -> get(pair.store.url(), "/api/v1/versions?path=" + encode(path)).path("versions").size() == 1);
            JsonNode kept = get(pair.store.url(), "/api/v1/versions?path=" + encode(path)).path("versions").path(0);
            assertEquals("modified", kept.path("reason").asText());
            assertEquals(first.length, kept.path("size").asLong());
            String at = ISO_MILLIS.format(Instant.parse(kept.path("to").asText()).minusMillis(1));
            String command = "ferry-watcher restore 'notes/plan <b>v '\\''x'\\''.txt' --at " + at;

            Path downloads = Files.createDirectories(root.resolve("downloads"));
            WebDriver browser = chromium(root.resolve("chromium-profile"), downloads);
            try {
                browser.get(pair.store.url() + "/");
                await("the token form", () -> browser.findElement(By.id("token-form")).isDisplayed());
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.id("token-submit")).click();
                await("the versions of the folder", () -> texts(browser, "#versions td.path").containsAll(List.of(path, "gone.txt")));
                WebElement row = versionRow(browser, path);
                assertEquals("modified", row.findElement(By.cssSelector("td.reason")).getText());
                assertEquals(String.valueOf(first.length), row.findElement(By.cssSelector("td.size")).getAttribute("data-value"));
                assertEquals(kept.path("to").asText(), row.findElement(By.cssSelector("td.replaced")).getAttribute("data-value"));
                assertEquals(command, row.findElement(By.cssSelector("code.restore-command")).getText());
                assertEquals("deleted", versionRow(browser, "gone.txt").findElement(By.cssSelector("td.reason")).getText());
                assertTrue(browser.findElements(By.tagName("b")).isEmpty(), "a path is text, never HTML");

                browser.findElement(By.id("versions-path")).sendKeys(path);
                browser.findElement(By.id("versions-find")).click();
                await("the path's own versions", () -> texts(browser, "#versions td.path").equals(List.of(path)));
                assertTrue(browser.findElement(By.id("versions-title")).getText().contains("Now: file, 4.9 KiB"),
                        browser.findElement(By.id("versions-title")).getText());
                assertEquals(command, versionRow(browser, path).findElement(By.cssSelector("code.restore-command")).getText());
                versionRow(browser, path).findElement(By.cssSelector("button.download")).click();
                await("the download of the old bytes", () -> {
                    try (var files = Files.list(downloads)) {
                        List<Path> done = files.filter(f -> f.getFileName().toString().endsWith(".txt")).toList();
                        return done.size() == 1 && java.util.Arrays.equals(first, Files.readAllBytes(done.get(0)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                assertEquals("", browser.findElement(By.id("versions-error")).getText());
            } finally {
                browser.quit();
            }
        }
    }

    private static WebElement versionRow(WebDriver browser, String path) {
        return browser.findElements(By.cssSelector("#versions tr")).stream()
                .filter(r -> r.findElement(By.cssSelector("td.path")).getText().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no version row for " + path));
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static JsonNode get(String url, String pathAndQuery) {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + pathAndQuery))
                    .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static WebDriver chromium(Path profile) throws Exception {
        return chromium(profile, null);
    }

    private static WebDriver chromium(Path profile, Path downloads) throws Exception {
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile);
        if (downloads != null) {
            options.setExperimentalOption("prefs", Map.of("download.default_directory", downloads.toString(),
                    "download.prompt_for_download", false, "download.directory_upgrade", true));
        }
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static String value(WebDriver browser, String id) {
        String v = browser.findElement(By.id(id)).getAttribute("data-value");
        return v == null ? "" : v;
    }

    private static List<String> texts(WebDriver browser, String css) {
        return browser.findElements(By.cssSelector(css)).stream().map(WebElement::getText).toList();
    }

    private static JsonNode status(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/api/v1/status"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return JSON.readTree(r.body());
    }

    private static void await(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            FerryProcess.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what, last);
    }
}
