package dev.ferry.protocol.ignore;

import dev.ferry.protocol.ErrorCode;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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
    /** At most this many {@code .ferryignore} files in one set. */
    public static final int MAX_FILES = 10_000;
    /** At most this many UTF-8 bytes in all texts, folders and patterns of one set together. */
    public static final int MAX_TEXT_BYTES = 1024 * 1024;

    public IgnoreSet {
        files = files == null ? List.of() : List.copyOf(files);
        excludes = excludes == null ? List.of() : List.copyOf(excludes);
    }

    /** True when nothing is ignored by these rules' files or patterns (there are none). */
    @JsonIgnore
    public boolean isEmpty() {
        return files.isEmpty() && excludes.isEmpty();
    }

    /**
     * Returns this set when it is within the limits and well formed, else throws: {@code too-large} past
     * {@link #MAX_FILES} files or {@link #MAX_TEXT_BYTES} bytes of text; {@code bad-message} for a missing text or
     * pattern, a folder that is neither "" nor a valid relative path, or two files for one folder.
     */
    public IgnoreSet check() throws ProtocolException {
        if (files.size() > MAX_FILES) {
            throw new ProtocolException(ErrorCode.TOO_LARGE,
                    "ignore rules: " + files.size() + " files, more than " + MAX_FILES);
        }
        long bytes = 0;
        Set<String> dirs = new HashSet<>();
        for (IgnoreFile file : files) {
            if (file == null || file.dir() == null || file.text() == null) {
                throw new ProtocolException(ErrorCode.BAD_MESSAGE, "ignore rules: a file without its dir or text");
            }
            if (!file.dir().isEmpty()) {
                String why = RelativePaths.problem(file.dir());
                if (why != null) {
                    throw new ProtocolException(ErrorCode.BAD_MESSAGE,
                            "ignore rules: bad dir (" + why + "): " + RelativePaths.printable(file.dir()));
                }
            }
            if (!dirs.add(file.dir())) {
                throw new ProtocolException(ErrorCode.BAD_MESSAGE,
                        "ignore rules: two files for dir " + RelativePaths.printable(file.dir()));
            }
            bytes += utf8Length(file.dir()) + utf8Length(file.text());
            if (bytes > MAX_TEXT_BYTES) {
                throw tooManyBytes();
            }
        }
        for (String pattern : excludes) {
            if (pattern == null) {
                throw new ProtocolException(ErrorCode.BAD_MESSAGE, "ignore rules: a missing pattern");
            }
            bytes += utf8Length(pattern);
            if (bytes > MAX_TEXT_BYTES) {
                throw tooManyBytes();
            }
        }
        return this;
    }

    private static ProtocolException tooManyBytes() {
        return new ProtocolException(ErrorCode.TOO_LARGE, "ignore rules: more than " + MAX_TEXT_BYTES + " bytes of text");
    }

    private static long utf8Length(String s) {
        // Bounded work: the text is already in memory (the frame held it); its UTF-8 length is at most 3 per char.
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** One {@code .ferryignore} file: the folder holding it, relative to SOURCE ("" for SOURCE), and its text. */
    public record IgnoreFile(String dir, String text) {
    }
}
