package dev.ferry.watcher.config;

import dev.ferry.chunker.ChunkHash;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/** Chooses the folder of the local state cache: configured, or per source under the XDG state home. */
public final class StateDirectory {

    private StateDirectory() {
    }

    /**
     * The state folder for {@code source} (absolute, normalized).
     *
     * @throws IllegalArgumentException when the only candidate lies inside the source
     */
    public static Path resolve(Path source, Optional<Path> configured, Map<String, String> env, String userHome,
                               String tmpDir) {
        if (configured.isPresent()) {
            Path dir = configured.get().toAbsolutePath().normalize();
            if (dir.startsWith(source)) {
                throw new IllegalArgumentException("state folder " + dir + " (ferry.watcher.state-dir) lies inside the source "
                        + source + "; choose one outside it");
            }
            return dir;
        }
        String name = sourceKey(source);
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg) : Path.of(userHome, ".local", "state");
        Path dir = base.resolve("ferry").resolve(name).toAbsolutePath().normalize();
        if (!dir.startsWith(source)) {
            return dir;
        }
        Path fallback = Path.of(tmpDir, "ferry-state", name).toAbsolutePath().normalize();
        if (!fallback.startsWith(source)) {
            return fallback;
        }
        throw new IllegalArgumentException("the default state folder " + dir + " lies inside the source " + source
                + "; set ferry.watcher.state-dir (FERRY_WATCHER_STATE_DIR) to a folder outside it");
    }

    /** First 16 hex digits of the SHA-256 of the absolute source path's bytes. */
    public static String sourceKey(Path source) {
        byte[] digest = ChunkHash.newDigest().digest(source.toString().getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 8);
    }
}
