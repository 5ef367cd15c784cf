package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** One item of a {@link Message.Changes} batch. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "op")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Change.Upsert.class, name = "upsert"),
        @JsonSubTypes.Type(value = Change.Delete.class, name = "delete"),
        @JsonSubTypes.Type(value = Change.Move.class, name = "move"),
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
}
