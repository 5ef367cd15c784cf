package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** One item of a {@link Message.Changes} batch. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Change.Upsert.class, name = "upsert"),
        @JsonSubTypes.Type(value = Change.Delete.class, name = "delete"),
        @JsonSubTypes.Type(value = Change.Move.class, name = "move"),
        @JsonSubTypes.Type(value = Change.Patch.class, name = "patch"),
})
public sealed interface Change {

    /** The path this change leaves populated or empty. */
    String path();

    /** Create or replace an entry (file, directory or symlink); a file is applied once all its chunks are stored. */
    record Upsert(Manifest entry) implements Change {
        @Override
        public String path() {
            return entry.path();
        }
    }

    /** Remove an entry, a directory with everything under it. */
    record Delete(String path) implements Change {
    }

    /**
     * Rename {@code from} to {@code entry.path()}, a directory with everything under it. {@code entry} is the
     * moved entry's manifest at its new path, so a store that lacks {@code from} can still build it.
     */
    record Move(String from, Manifest entry) implements Change {
        @Override
        public String path() {
            return entry.path();
        }
    }

    /**
     * Protocol 2: a file upsert (or, with {@code move}, a move of {@code base} to {@code path}) whose chunk list is
     * a {@link ChunkDelta} over the file the store holds at {@code base} with manifest digest {@code baseDigest}.
     * A store that holds no such entry fails the item with code {@code base-unknown}; the watcher then sends the
     * full manifest. {@code delta} is base64 in JSON.
     */
    record Patch(String path, int mode, long mtimeNs, long size, String base, String baseDigest, boolean move,
                 byte[] delta) implements Change {

        /** The patch that turns {@code baseManifest} (held at {@code basePath}) into {@code target}. */
        public static Patch of(Manifest target, String basePath, Manifest baseManifest, boolean move) {
            return new Patch(target.path(), target.mode(), target.mtimeNs(), target.size(), basePath,
                    baseManifest.digest(), move, ChunkDelta.encode(baseManifest.chunks(), target.chunks()));
        }

        /**
         * The full manifest, given the base's chunks, of at most {@code maxChunks} chunks.
         *
         * @throws IllegalArgumentException when the delta is malformed, resolves to more than {@code maxChunks}
         *                                  chunks or does not add up to {@code size}
         */
        public Manifest resolve(java.util.List<ChunkRef> baseChunks, int maxChunks) {
            if (delta == null) {
                throw new IllegalArgumentException("a patch needs a delta");
            }
            return Manifest.file(path, mode, mtimeNs, size, ChunkDelta.apply(baseChunks, delta, maxChunks));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Patch p && java.util.Objects.equals(path, p.path) && mode == p.mode && mtimeNs == p.mtimeNs
                    && size == p.size && java.util.Objects.equals(base, p.base)
                    && java.util.Objects.equals(baseDigest, p.baseDigest) && move == p.move
                    && java.util.Arrays.equals(delta, p.delta);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(path, base, baseDigest, move, size) * 31 + java.util.Arrays.hashCode(delta);
        }

        @Override
        public String toString() {
            return "Patch[" + path + " from " + base + "@" + baseDigest + (move ? " (move)" : "") + ", "
                    + (delta == null ? 0 : delta.length) + " delta bytes]";
        }
    }
}
