package dev.ferry.protocol.ignore;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;

/**
 * A source's ignore rules as they travel and are kept: the text of every {@code .ferryignore} file by the folder
 * holding it, and the patterns given on the watcher's command line ({@code --exclude}, {@code ferry.watcher.exclude}).
 *
 * @param files    one per {@code .ferryignore} the watcher read; {@code dir} is "" for SOURCE itself
 * @param excludes the command line's patterns, read as lines of a {@code .ferryignore} in SOURCE with the lowest
 *                 precedence (as git reads {@code .git/info/exclude})
 */
public record IgnoreSet(List<IgnoreFile> files, List<String> excludes) {

    public static final IgnoreSet NONE = new IgnoreSet(List.of(), List.of());

    public IgnoreSet {
        files = files == null ? List.of() : List.copyOf(files);
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
    }

    /** True when nothing is ignored by these rules' files or patterns (there are none). */
    @JsonIgnore
    public boolean isEmpty() {
        return files.isEmpty() && excludes.isEmpty();
    }

    /** One {@code .ferryignore} file: the folder holding it, relative to SOURCE ("" for SOURCE), and its text. */
    public record IgnoreFile(String dir, String text) {
    }
}
