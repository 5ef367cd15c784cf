package dev.ferry.watcher.ignore;

import dev.ferry.protocol.ErrorCode;
import dev.ferry.protocol.Message;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.RelativePaths;
import dev.ferry.protocol.Wire;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;

import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The source's ignore rules as the watcher knows them now: the text of each {@code .ferryignore} the scans read, by
 * folder, and the command line's patterns ({@code --exclude}, {@code ferry.watcher.exclude}), with the matcher built
 * from them. The scans change it (on the tree thread); {@link #ignored} may be asked from any thread (the file system
 * watcher drops events of ignored paths), and always answers from one consistent set of rules.
 */
public final class SourceIgnoreRules {

    private static final Logger LOG = Logger.getLogger(SourceIgnoreRules.class);
    /** Where the rules are kept between runs (in the state folder), or null. */
    public static final String STATE_FILE = "ignore-rules.json";

    private final List<String> excludes;
    private final long excludeBytes;
    /** UTF-8 bytes of the folders and texts of {@link #files}, as {@link IgnoreSet#check} counts them. */
    private long fileBytes;
    private final Path file;
    private boolean saveWarned;
    /** Folder ("" for SOURCE) to the text of its .ferryignore; sorted, so a folder comes before those inside it. */
    private final TreeMap<String, String> files = new TreeMap<>();
    private volatile IgnoreRules rules;

    /** With the command line's patterns, in the order given (a later one wins over an earlier one, as in a file). */
    public SourceIgnoreRules(List<String> excludes) {
        this(excludes, null);
    }

    /**
     * With the command line's patterns and the files of the last run's rules, kept in {@code file}: the first hello
     * then tells the store the rules it had (it must not take the entries they ignore as foreign while the first
     * scan reads the files again). A file that cannot be read starts from no files, with a warning.
     */
    public SourceIgnoreRules(List<String> excludes, Path file) {
        this.excludes = List.copyOf(excludes);
        this.excludeBytes = bytes(excludes);
        this.file = file;
        if (file != null && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                Message m = Wire.decode(Files.readString(file));
                if (m instanceof Message.Ignore ignore) {
                    for (IgnoreSet.IgnoreFile f : ignore.rules().check().files()) {
                        files.put(f.dir(), f.text());
                        fileBytes += bytes(f.dir()) + bytes(f.text());
                    }
                    if (fileBytes + excludeBytes > IgnoreSet.MAX_TEXT_BYTES) {
                        throw new ProtocolException(ErrorCode.TOO_LARGE, "past the limits with these --exclude patterns");
                    }
                }
            } catch (IOException | ProtocolException | RuntimeException e) {
                LOG.warnf("cannot read the last run's ignore rules from %s (%s): the scan reads them again", file,
                        e.getMessage());
                files.clear();
                fileBytes = 0;
            }
        }
        rebuild();
    }

    /** Keeps the rules for the next run (tree thread); a failure only costs that hello's rules, with a warning. */
    public void save() {
        if (file == null) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, Wire.encode(new Message.Ignore(rules.set())));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            saveWarned = false;
        } catch (IOException | RuntimeException e) {
            if (!saveWarned) {
                saveWarned = true;
                LOG.warnf("cannot keep the ignore rules in %s (%s): the next start says hello without them", file,
                        e.getMessage());
            }
        }
    }

    /** Rules with no patterns of the command line (the .ferryignore files still count). */
    public static SourceIgnoreRules withoutExcludes() {
        return new SourceIgnoreRules(List.of());
    }

    /**
     * Why the command line's patterns cannot be taken (they break a limit of the rules), or null when they can.
     */
    public static String problem(List<String> excludes) {
        long bytes = bytes(excludes);
        if (bytes > IgnoreSet.MAX_TEXT_BYTES) {
            return "the --exclude / ferry.watcher.exclude patterns hold " + bytes + " bytes, more than the limit of "
                    + IgnoreSet.MAX_TEXT_BYTES + " bytes of ignore rules in all";
        }
        return null;
    }

    /**
     * True when {@code path} is ignored by the rules now (a folder: with everything below it), or is one of the
     * watcher's own temp files ({@link OwnTempFiles}). Any thread.
     */
    public boolean ignored(String path, boolean directory) {
        return OwnTempFiles.isOwn(path) || rules.ignored(path, directory);
    }

    /** True when {@code path} is ignored whatever it is (a file or a folder): an event for it can be dropped unseen. */
    public boolean ignoredAnyway(String path) {
        IgnoreRules r = rules;
        return OwnTempFiles.isOwn(path) || r.ignored(path, false) && r.ignored(path, true);
    }

    /** The rules now, as they go to the store. */
    public IgnoreSet set() {
        return rules.set();
    }

    /** The folders whose .ferryignore counts now. */
    public List<String> folders() {
        return new ArrayList<>(files.keySet());
    }

    /**
     * Records what the {@code .ferryignore} of {@code dir} holds now ({@code text} null: it has none). Returns null
     * when taken, else why not (it would break a limit): then the rules stay as they were.
     */
    public String read(String dir, String text) {
        String old = files.get(dir);
        if (text == null) {
            if (old != null) {
                remove(dir);
                rebuild();
            }
            return null;
        }
        if (text.equals(old)) {
            return null;
        }
        long total = fileBytes + excludeBytes + bytes(dir) + bytes(text) - (old == null ? 0 : bytes(dir) + bytes(old));
        if (total > IgnoreSet.MAX_TEXT_BYTES) {
            return "with it the ignore rules would hold " + total + " bytes, more than the limit of "
                    + IgnoreSet.MAX_TEXT_BYTES + " bytes of all " + IgnoreRules.FILE_NAME
                    + " files and --exclude patterns together";
        }
        if (old == null && files.size() >= IgnoreSet.MAX_FILES) {
            return "the source has more than " + IgnoreSet.MAX_FILES + " " + IgnoreRules.FILE_NAME
                    + " files, the limit";
        }
        if (old != null) {
            remove(dir);
        }
        files.put(dir, text);
        fileBytes += bytes(dir) + bytes(text);
        rebuild();
        return null;
    }

    private void remove(String dir) {
        String text = files.remove(dir);
        if (text != null) {
            fileBytes -= bytes(dir) + bytes(text);
        }
    }

    private static long bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long bytes(List<String> patterns) {
        long n = 0;
        for (String p : patterns) {
            n += bytes(p);
        }
        return n;
    }

    /**
     * Drops the files of the folders {@code gone} says left the tree (deleted, moved away, replaced by a file) and
     * of the folders the rules now ignore (git reads no rules inside an ignored folder). True when that changed
     * the rules.
     */
    public boolean forget(Predicate<String> gone) {
        boolean changed = false;
        for (String dir : new ArrayList<>(files.keySet())) {
            if (!files.containsKey(dir) || dir.isEmpty()) {
                continue;
            }
            if (gone.test(dir) || rules.ignored(dir, true)) {
                for (String d : new ArrayList<>(files.subMap(dir, true, dir + "0", false).keySet())) {
                    if (RelativePaths.isUnder(d, dir)) {
                        remove(d);
                    }
                }
                rebuild();
                changed = true;
            }
        }
        return changed;
    }

    /** Builds the matcher from the files and patterns now. */
    private void rebuild() {
        List<IgnoreSet.IgnoreFile> list = new ArrayList<>(files.size());
        for (Map.Entry<String, String> e : files.entrySet()) {
            list.add(new IgnoreSet.IgnoreFile(e.getKey(), e.getValue()));
        }
        rules = IgnoreRules.of(new IgnoreSet(list, excludes));
    }
}
