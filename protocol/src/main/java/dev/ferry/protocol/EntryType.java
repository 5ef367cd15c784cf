package dev.ferry.protocol;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The kinds of entry a mirror holds. Symlinks are kept as links and never followed. */
public enum EntryType {
    @JsonProperty("file") FILE,
    @JsonProperty("dir") DIRECTORY,
    @JsonProperty("symlink") SYMLINK
}
