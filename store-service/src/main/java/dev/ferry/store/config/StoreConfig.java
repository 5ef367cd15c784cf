package dev.ferry.store.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code ferry.*} setting of the store; each key also has its env form ({@code FERRY_*}). */
@ConfigMapping(prefix = "ferry")
public interface StoreConfig {

    /**
     * Bearer token every HTTP request (REST and the WebSocket upgrade) must carry; unset or empty means no
     * authentication. Env {@code FERRY_TOKEN}. /q/health stays open for probes.
     */
    Optional<String> token();

    /** The store's own settings. */
    Store store();

    /** Settings under {@code ferry.store}. */
    interface Store {
        /**
         * The destination folder DEST. The command-line argument sets it; env {@code FERRY_STORE_DEST} is the
         * alternative for containers. No default: the store refuses to start without one.
         */
        Optional<String> dest();

        /** How often the auditor compares DEST with the index and repairs what differs. */
        @WithDefault("2s")
        Duration auditInterval();

        /** Whether the auditor runs at all. */
        @WithDefault("true")
        boolean audit();

        /**
         * How often unreferenced chunks are garbage-collected: a duration, or {@code off} to never collect.
         * Read by the scheduler as a plain string, hence not a Duration here.
         */
        @WithDefault("1h")
        String gcInterval();

        /**
         * A chunk is deleted only when nothing references it and it has been neither written nor uploaded again
         * for this long, so chunks uploaded just before their manifest (a reconnect, a restart) are kept.
         */
        @WithDefault("1h")
        Duration gcGrace();

        /** How long one WebSocket send may wait for a slow watcher before its session is dropped. */
        @WithDefault("60s")
        Duration sendTimeout();

        /**
         * Listen on a non-loopback address without {@code ferry.token}. Off: such a store refuses to start. Only for
         * a store behind a trusted proxy that authenticates every request itself.
         */
        @WithDefault("false")
        boolean allowNoToken();

        /**
         * Most items one {@code changes} frame, entries one {@code index} frame, or hashes one
         * {@code POST /chunks/missing} may carry; more is refused with {@code too-large}.
         */
        @WithDefault("10000")
        int maxBatchItems();

        /**
         * Most memory one watcher session may hold on the store (its index during a reconcile, and the manifests
         * of its files waiting for chunks), estimated from their sizes. A reconcile past it is refused with
         * {@code error too-large}; a file upsert past it fails with {@code session-limit} in {@code ack.failed}; a
         * patch that would resolve to more chunks than it can hold is refused with {@code bad-message}. Unset: a
         * quarter of the heap ({@code -Xmx}), so the default always fits the process ({@link SessionLimits}).
         */
        Optional<MemorySize> maxSessionBytes();

        /**
         * Most WebSocket connections open at once (greeted or not). One watcher needs one; the rest are a restarted
         * watcher's stale socket or a refused one. Past it a new connection is closed at once with 1013 (try again
         * later) and a reason naming this setting.
         */
        @WithDefault("16")
        int maxConnections();

        /**
         * Most bytes the store may keep on its disk: the chunk store plus the files of the mirror. Unset: no
         * quota. A file that would pass it fails with {@code quota-exceeded} in {@code ack.failed}; a chunk upload
         * that would pass it gets 507.
         */
        Optional<MemorySize> quota();

        /**
         * Readiness fails (/q/health/ready answers 503) while the file system of DEST has less free space than this,
         * so an orchestrator stops sending work before writes start failing.
         */
        @WithDefault("256M")
        MemorySize minFreeDisk();

        /**
         * The folders this store serves, a comma list of {@code NAME} or {@code NAME=PATH} (NAME matches
         * {@code [a-z0-9][a-z0-9._-]{0,62}}; PATH defaults to DEST/NAME, an absolute PATH maps the folder elsewhere).
         * Each folder is a whole store at its path (its own {@code .ferry/}), bound to one source; requests name it
         * with {@code folder=NAME}. Unset: DEST itself is the one (unnamed) folder. Env {@code FERRY_STORE_FOLDERS}.
         */
        Optional<List<String>> folders();

        /**
         * Per-folder bearer tokens, a comma list of {@code NAME=TOKEN}: a folder's token opens only requests naming
         * that folder (and {@code GET /api/v1/folders}, which then lists it alone); {@code ferry.token} stays the
         * admin token that opens everything. Env {@code FERRY_STORE_FOLDER_TOKENS}.
         */
        Optional<List<String>> folderTokens();

        /** Version history: what a replaced or deleted mirror entry leaves behind. */
        Versions versions();
    }

    /** Settings under {@code ferry.store.versions}. */
    interface Versions {
        /**
         * {@code staggered} keeps the previous version of every mirrored entry that is replaced with different
         * content, deleted or moved (its file moved aside into {@code .ferry/versions/}, never copied), thinned
         * like Syncthing's staggered versioning; {@code off} keeps nothing. Env {@code FERRY_STORE_VERSIONS_KEEP}.
         */
        @WithDefault("staggered")
        Keep keep();

        /** Versions replaced longer ago than this are removed. Env {@code FERRY_STORE_VERSIONS_MAX_AGE}. */
        @WithDefault("365d")
        Duration maxAge();

        /**
         * The most the kept version files may hold, a percentage of the size of DEST's file system ({@code 10%}) or
         * a size ({@code 20G}); over it the oldest versions go first. Env {@code FERRY_STORE_VERSIONS_BUDGET}.
         */
        @WithDefault("10%")
        String budget();

        /**
         * How often retention runs (thinning, maximum age, budget), on the apply thread. Read by the scheduler as
         * a plain string, hence not a Duration here. Env {@code FERRY_STORE_VERSIONS_PRUNE_INTERVAL}.
         */
        @WithDefault("1m")
        String pruneInterval();
    }

    /** {@code ferry.store.versions.keep}. */
    enum Keep {
        STAGGERED, OFF
    }
}
