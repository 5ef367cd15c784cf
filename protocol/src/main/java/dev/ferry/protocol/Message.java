package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.ferry.chunker.ChunkHash;
import dev.ferry.chunker.ChunkerParams;
import dev.ferry.protocol.ignore.IgnoreSet;

import java.util.List;

/**
 * Every message of the sync WebSocket, one JSON text frame each, told apart by its {@code type} field.
 * docs/PROTOCOL.md describes the exchange; this file is its single source of truth.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Message.Hello.class, name = "hello"),
        @JsonSubTypes.Type(value = Message.Welcome.class, name = "welcome"),
        @JsonSubTypes.Type(value = Message.IndexBatch.class, name = "index"),
        @JsonSubTypes.Type(value = Message.Need.class, name = "need"),
        @JsonSubTypes.Type(value = Message.Changes.class, name = "changes"),
        @JsonSubTypes.Type(value = Message.Missing.class, name = "missing"),
        @JsonSubTypes.Type(value = Message.Ack.class, name = "ack"),
        @JsonSubTypes.Type(value = Message.Check.class, name = "check"),
        @JsonSubTypes.Type(value = Message.Checked.class, name = "checked"),
        @JsonSubTypes.Type(value = Message.Error.class, name = "error"),
        @JsonSubTypes.Type(value = Message.Ignore.class, name = "ignore"),
        @JsonSubTypes.Type(value = Message.Plan.class, name = "plan"),
        @JsonSubTypes.Type(value = Message.Planned.class, name = "planned"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface Message {

    /**
     * Protocol version spoken by this build. 2 adds compressed binary frames ({@link FrameCompression}) and the
     * {@code patch} change; 3 adds ignore rules ({@code hello.ignore}, the {@code ignore} message). A store also
     * accepts older watchers; a watcher needs a store of its own version.
     */
    int VERSION = 3;

    /** The oldest watcher protocol a store still accepts. */
    int MIN_VERSION = 1;

    /**
     * Which message this is, for an exhaustive {@code switch} (Java 17 has no pattern switch over a sealed type):
     * {@code MessageDispatch} turns a message into one call of a typed handler with it. {@link #wireType()} is the
     * {@code type} field of its JSON.
     */
    enum Kind {
        HELLO("hello"), WELCOME("welcome"), INDEX("index"), NEED("need"), CHANGES("changes"), MISSING("missing"),
        ACK("ack"), CHECK("check"), CHECKED("checked"), ERROR("error"), IGNORE("ignore"), PLAN("plan"),
        PLANNED("planned");

        private final String wireType;

        Kind(String wireType) {
            this.wireType = wireType;
        }

        public String wireType() {
            return wireType;
        }
    }

    /** Which message this is. */
    Kind kind();

    /**
     * Watcher -> store, first frame: who it is, how it cuts chunks, and the root digest of its tree.
     * {@code sourceId} (absent from older watchers) is the source's persistent identity: a store belongs to the first
     * source that says hello and refuses any other with {@code error wrong-source}. {@code takeOver} (the watcher's
     * {@code --take-over}) asks the store to rebind to this source; honoured only while the owner is not connected.
     * {@code ignore} (protocol 3; absent: none) are the source's ignore rules: what they match is neither mirrored
     * nor removed from DEST. {@code dryRun} (protocol 3; absent: false) opens a dry-run session: the watcher sends
     * {@code plan} frames and the store answers {@code planned}, changing nothing and leaving the running session be.
     */
    record Hello(int protocol, String clientId, ChunkerParams chunker, String rootDigest, long entries,
                 String sourceId, Boolean takeOver, IgnoreSet ignore, Boolean dryRun) implements Message {
        @Override
        public Kind kind() {
            return Kind.HELLO;
        }

        /** A hello without a source identity, as watchers before it sent. */
        public Hello(int protocol, String clientId, ChunkerParams chunker, String rootDigest, long entries) {
            this(protocol, clientId, chunker, rootDigest, entries, null, null, null, null);
        }

        /** A hello of a syncing (not dry-run) session. */
        public Hello(int protocol, String clientId, ChunkerParams chunker, String rootDigest, long entries,
                     String sourceId, Boolean takeOver, IgnoreSet ignore) {
            this(protocol, clientId, chunker, rootDigest, entries, sourceId, takeOver, ignore, null);
        }

        /** A hello without ignore rules, as protocol 2 watchers sent. */
        public Hello(int protocol, String clientId, ChunkerParams chunker, String rootDigest, long entries,
                     String sourceId, Boolean takeOver) {
            this(protocol, clientId, chunker, rootDigest, entries, sourceId, takeOver, null, null);
        }

        /** The ignore rules this hello carries; none when it carries none. */
        public IgnoreSet ignoreRules() {
            return ignore == null ? IgnoreSet.NONE : ignore;
        }

        /** True when this hello opens a dry run ({@code --dry-run}): plan only, change nothing. */
        public boolean dryRuns() {
            return Boolean.TRUE.equals(dryRun);
        }

        /** True when the watcher asks to take the store over. */
        public boolean takesOver() {
            return Boolean.TRUE.equals(takeOver);
        }
    }

    /**
     * Store -> watcher: accepted; {@code inSync} when the store's root digest equals the watcher's.
     * {@code chunkCodecs} (protocol 3; absent from older stores) names the {@link ChunkCodec}s the store decodes in
     * coded chunk uploads ({@link Endpoints#CHUNK_BATCH_CODED_TYPE}); absent, the watcher sends plain records only.
     */
    record Welcome(int protocol, String storeId, ChunkerParams chunker, boolean inSync, List<String> chunkCodecs)
            implements Message {
        @Override
        public Kind kind() {
            return Kind.WELCOME;
        }

        /** A welcome without codecs, as stores before protocol 3 sent. */
        public Welcome(int protocol, String storeId, ChunkerParams chunker, boolean inSync) {
            this(protocol, storeId, chunker, inSync, null);
        }

        /** True when the store decodes coded records of {@code codec}. */
        public boolean decodes(ChunkCodec codec) {
            return codec == ChunkCodec.NONE ? chunkCodecs != null
                    : chunkCodecs != null && chunkCodecs.contains(codec.wireName());
        }
    }

    /** Watcher -> store, only after a Welcome that was not in sync: its (path, digest) pairs, in batches. */
    record IndexBatch(List<IndexEntry> entries, boolean last) implements Message {
        @Override
        public Kind kind() {
            return Kind.INDEX;
        }

        public IndexBatch {
            entries = entries == null ? List.of() : entries;
        }
    }

    /** One line of an index: a path and its manifest digest. */
    record IndexEntry(String path, String digest) {
    }

    /**
     * Store -> watcher, after the last index batch: the paths whose manifests it needs, split over several frames
     * when long; {@code last} marks the final one. Paths the store has but the index lacks have been removed from
     * the mirror by then.
     */
    record Need(List<String> paths, boolean last) implements Message {
        @Override
        public Kind kind() {
            return Kind.NEED;
        }

        public Need {
            paths = paths == null ? List.of() : paths;
        }
    }

    /** Watcher -> store: a numbered batch of changes, applied in order. */
    record Changes(long batch, List<Change> items) implements Message {
        @Override
        public Kind kind() {
            return Kind.CHANGES;
        }

        public Changes {
            items = items == null ? List.of() : items;
        }
    }

    /** Store -> watcher: the chunks of a batch's files that the store lacks; upload them over REST. */
    record Missing(long batch,
                   @JsonSerialize(using = ChunkListCodec.HashesSerializer.class)
                   @JsonDeserialize(using = ChunkListCodec.HashesDeserializer.class)
                   List<ChunkHash> chunks) implements Message {
        @Override
        public Kind kind() {
            return Kind.MISSING;
        }

        public Missing {
            chunks = chunks == null ? List.of() : chunks;
        }
    }

    /** Store -> watcher: every item of a batch is applied, except those in {@code failed}. */
    record Ack(long batch, List<Failure> failed) implements Message {
        @Override
        public Kind kind() {
            return Kind.ACK;
        }

        public Ack {
            failed = failed == null ? List.of() : failed;
        }
    }

    /**
     * Why the store could not apply one item; {@code code} (protocol 2, may be absent) says what the watcher can
     * do about it: {@code base-unknown} means "send the full manifest".
     */
    record Failure(String path, String reason, String code) {
        public Failure(String path, String reason) {
            this(path, reason, null);
        }
    }

    /** Watcher -> store: is the mirror now equal to a tree with this root digest? */
    record Check(String rootDigest) implements Message {
        @Override
        public Kind kind() {
            return Kind.CHECK;
        }

    }

    /**
     * Store -> watcher: the store's root digest and whether DEST equals the tree asked about: the index's digest
     * matches and DEST holds nothing else. {@code problem} (absent when none) says why a matching index is still
     * not in sync (a foreign entry the store cannot remove, a file it cannot rebuild).
     */
    record Checked(String rootDigest, boolean inSync, String problem) implements Message {
        @Override
        public Kind kind() {
            return Kind.CHECKED;
        }

        public Checked(String rootDigest, boolean inSync) {
            this(rootDigest, inSync, null);
        }
    }

    /**
     * Watcher -> store (protocol 3): the source's ignore rules changed; {@code rules} replace those of the hello or
     * of the previous {@code ignore}. Entries they now match are dropped from the store's index and left in DEST.
     */
    record Ignore(IgnoreSet rules) implements Message {
        @Override
        public Kind kind() {
            return Kind.IGNORE;
        }

        public Ignore {
            rules = rules == null ? IgnoreSet.NONE : rules;
        }
    }

    /**
     * Watcher -> store (protocol 3), only in a dry-run session after its {@code welcome}: the source's whole tree in
     * batches, as an {@code index} but with each entry's content digest too; {@code last} marks the final one, and the
     * store then answers with {@code planned}.
     */
    record Plan(List<PlanEntry> entries, boolean last) implements Message {
        @Override
        public Kind kind() {
            return Kind.PLAN;
        }

        public Plan {
            entries = entries == null ? List.of() : entries;
        }
    }

    /**
     * One entry of a plan: its path, its manifest digest, and its content digest ({@link Manifest#contentDigest()}:
     * the digest without mode and mtime), which tells a change of contents from a change of metadata only;
     * {@code dir}: the entry is a directory.
     */
    record PlanEntry(String path, String digest, String content, boolean dir) {
    }

    /**
     * Store -> watcher (protocol 3): what a real sync of the planned tree would do to DEST, sorted by path, split
     * over several frames when long; {@code last} marks the final one. Nothing was changed to make it.
     */
    record Planned(List<PlannedItem> items, boolean last) implements Message {
        @Override
        public Kind kind() {
            return Kind.PLANNED;
        }

        public Planned {
            items = items == null ? List.of() : items;
        }
    }

    /**
     * One thing a real sync would do. {@code op}: {@code create}, {@code update}, {@code move} (from {@code from},
     * paying only metadata: the content is in DEST already), {@code delete} (in the mirror, not in the source) or
     * {@code foreign} (in DEST, neither in the mirror nor ignored: the audit removes it, a folder with everything in
     * it). {@code detail} for an update: {@code contents}, {@code metadata} (only mode or mtime differ) or
     * {@code damaged} (the mirror's copy in DEST differs from what the store recorded). {@code dir}: the entry is a
     * directory.
     */
    record PlannedItem(String op, String path, String from, String detail, boolean dir) {
    }

    /** Either side: a refusal. Codes are listed in docs/PROTOCOL.md; after a fatal one the sender closes. */
    record Error(String code, String message) implements Message {
        @Override
        public Kind kind() {
            return Kind.ERROR;
        }

        public Error(ErrorCode code, String message) {
            this(code.wire(), message);
        }

        /** The code, or null when this build does not know it (a newer peer's). */
        public ErrorCode errorCode() {
            return ErrorCode.fromWire(code);
        }
    }
}
