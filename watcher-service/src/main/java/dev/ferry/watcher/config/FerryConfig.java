package dev.ferry.watcher.config;

import dev.ferry.watcher.progress.ProgressMode;
import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code ferry.*} setting of the watcher; each key also reads from its env form (FERRY_...). */
@ConfigMapping(prefix = "ferry")
public interface FerryConfig {

    /** Base URL of the store, http://HOST:PORT; {@code --store} on the command line overrides it. */
    Optional<String> storeUrl();

    /** Bearer token sent on every request to the store; unset means no Authorization header. */
    Optional<String> token();

    /**
     * The store folder this watcher syncs, on a store that serves many ({@code ferry.store.folders}): sent as
     * {@code folder=NAME} on the WebSocket and every REST request; {@code --folder} overrides it. Unset: no folder
     * named (a single-folder store). NAME matches {@code [a-z0-9][a-z0-9._-]{0,62}}.
     */
    Optional<String> folder();

    /** Watching, hashing and upload settings. */
    Watcher watcher();

    /** Settings under {@code ferry.watcher}. */
    interface Watcher {

        /**
         * The SOURCE folder when the command line names none (containers, systemd units); the argument wins.
         * No default.
         */
        Optional<String> source();

        /**
         * Ignore patterns, read like lines of a {@code .ferryignore} in SOURCE with the lowest precedence (a
         * {@code .ferryignore} overrides them); {@code --exclude} patterns come after these. The env form is a
         * comma-separated list; a comma inside a pattern is written {@code \,}. No default.
         */
        Optional<List<String>> exclude();

        /** A burst of file system events is flushed once the source has been quiet this long. */
        @WithDefault("30ms")
        Duration quietDelay();

        /** A burst is flushed at most this long after its first event, even if events keep coming. */
        @WithDefault("1s")
        Duration maxDelay();

        /** Interval of the safety rescan that catches anything the file system events missed. */
        @WithDefault("5m")
        Duration rescanInterval();

        /**
         * Where the local state cache lives; default $XDG_STATE_HOME (or ~/.local/state) + /ferry/ + the first
         * 16 hex digits of the SHA-256 of the absolute source path. Never inside the source.
         */
        Optional<Path> stateDir();

        /** Number of chunk upload requests in flight at once. */
        @WithDefault("4")
        int uploadConcurrency();

        /** Largest body of one chunk batch upload. */
        @WithDefault("8M")
        MemorySize uploadBatchBytes();

        /**
         * Chunk compression on the wire: {@code auto} compresses (zstd) each chunk that a cheap test finds
         * compressible and that then shrinks by at least a sixteenth, when the store accepts compressed chunks;
         * {@code off} sends every chunk raw.
         */
        @WithDefault("auto")
        dev.ferry.watcher.upload.UploadCompression compress();

        /** Upper bound of the exponential backoff between reconnects and upload retries. */
        @WithDefault("5s")
        Duration retryMaxDelay();

        /**
         * Cap of the backoff between reconciles while the store keeps failing to apply something (a full or
         * read-only disk): the watcher tries again after 1 s, 2 s, 4 s ... up to this, and at once when the source
         * changes.
         */
        @WithDefault("1m")
        Duration reconcileMaxDelay();

        /** With {@code --once}: give up (exit 1) when the mirror is not confirmed in sync after this long. */
        @WithDefault("10m")
        Duration onceTimeout();

        /**
         * Mirror an empty source folder even though the store holds files. Off by default, so that an unmounted
         * or emptied disk is not mirrored as a mass delete.
         */
        @WithDefault("false")
        boolean allowEmptySource();

        /**
         * The brake on mass deletes, like rsync's {@code --max-delete}: when the deletions of one flush, or of all
         * flushes within a minute, would remove more than this of a tree of 100 entries or more, they are held
         * (the mirror keeps those entries; everything else goes on) until released with
         * {@code ferry-watcher --release-deletes}. A share of the tree ({@code 50%}), a number of entries
         * ({@code 5000}), or {@code off}.
         */
        @WithDefault("50%")
        String maxDelete();

        /**
         * For an https:// store: the CA or certificate to trust, a PEM file or a PKCS12/JKS trust store, instead
         * of the JVM's trusted CAs (the default). Used for both the chunk uploads and the WebSocket.
         */
        Optional<Path> tlsTrust();

        /** The password of a PKCS12/JKS {@code tls-trust} file; not needed for PEM. */
        Optional<String> tlsTrustPassword();

        /**
         * How progress is shown: {@code auto} draws a progress line redrawn in place (and a short line per applied
         * change) when stdin and stdout are a terminal and logs are not JSON, else logs a progress line every 2 s;
         * {@code terminal} and {@code log} force one of them.
         */
        @WithDefault("auto")
        ProgressMode progress();

        /**
         * Bandwidth limit of everything sent to the store (chunk uploads and sync frames), in rsync's --bwlimit
         * units: a plain number is KiB/s; K, M, G suffixes are 1024-based, KB, MB, GB 1000-based ({@code 1.5M},
         * {@code 500}); 0 means no limit. {@code --bwlimit} overrides it; changeable while running with
         * {@code ferry-watcher bwlimit RATE}.
         */
        @WithDefault("0")
        String bwlimit();

        /** How often the terminal's progress line is redrawn (and rates are sampled). */
        @WithDefault("1s")
        Duration progressInterval();
    }
}
