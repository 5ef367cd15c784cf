package dev.ferry.store.storage;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ferry.protocol.EntryType;
import dev.ferry.protocol.Manifest;
import dev.ferry.protocol.ProtocolException;
import dev.ferry.protocol.Wire;
import dev.ferry.protocol.ignore.IgnoreRules;
import dev.ferry.protocol.ignore.IgnoreSet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * The source's ignore rules as the store last heard them (a hello or an {@code ignore} message), kept in
 * {@code DEST/.ferry/ignore.json} (0600, replaced atomically) so that the audit honours them while no watcher is
 * connected, also after a restart. What they match is not part of the mirror: it is neither in the index nor
 * removed from DEST. The rules are replaced on the apply thread; any thread may read them.
 */
public final class StoreIgnoreRules {
    public static final String FILE = "ignore.json";

    private final Path file;
    private final Path tmpDir;
    private volatile IgnoreRules rules;
    private volatile boolean known;
    /** False from a hello until a check matches: the rules may still grow as the watcher's scan reads ignore files. */
    private volatile boolean settled = true;

    /** Reads the rules kept in {@code file} (none when it does not exist); a damaged file stops the store's start. */
    public StoreIgnoreRules(Path file, Path tmpDir) throws IOException {
        this.file = file;
        this.tmpDir = tmpDir;
        this.known = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
        this.rules = read(file);
    }

    /** The rules in force. */
    public IgnoreRules rules() {
        return rules;
    }

    /**
     * Whether the store has heard its source's complete rules: in this run or an earlier one, and not from a hello
     * whose watcher has not yet matched a check (its first scan may still read ignore files). Until then nothing in
     * DEST outside the index may be taken for foreign: it may be what the rules, once complete, leave alone.
     */
    public boolean known() {
        return known && settled;
    }

    /**
     * A watcher said hello: the rules it sent may lack ignore files its first scan has not read yet, so nothing outside
     * the index is taken for foreign until {@link #settle()}.
     */
    public void unsettle() {
        settled = false;
    }

    /** A check matched the watcher's tree: its scan is done and its rules are complete. */
    public void settle() {
        settled = true;
    }

    /**
     * Makes {@code set} (already checked against the limits) the rules in force, durably (written, fsynced,
     * renamed, folder fsynced) before it returns, also when there are none (so that "no rules" is known after a
     * restart); the file is left as it was when writing fails. False when these rules were already known.
     */
    public boolean replace(IgnoreSet set) throws IOException {
        if (known && set.equals(rules.set())) {
            return false;
        }
        byte[] json = Wire.mapper().writeValueAsBytes(set);
        PrivateStateFile.replace(file, tmpDir, json);
        rules = IgnoreRules.of(set);
        known = true;
        return true;
    }

    /**
     * Drops from {@code index} (journaled, like any index change) every entry the rules in force ignore, with
     * what lies below it; DEST is not touched. Returns how many entries were forgotten (a folder counts with
     * everything below it).
     */
    public int forgetIgnored(MirrorIndex index) throws IOException {
        IgnoreRules r = rules;
        if (r.isEmpty()) {
            return 0;
        }
        int before = index.size();
        String skipBelow = null;
        for (Manifest m : index.manifests()) {
            String path = m.path();
            if (skipBelow != null && path.startsWith(skipBelow)) {
                continue; // gone with its ignored folder
            }
            if (r.ignored(path, m.type() == EntryType.DIRECTORY)) {
                index.remove(path);
                skipBelow = path + "/";
            }
        }
        return before - index.size();
    }

    private static IgnoreRules read(Path file) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return IgnoreRules.none();
        }
        String fix = ": remove it and connect the watcher, whose hello sets the rules again (until then the audit "
                + "would remove DEST-only entries the rules protected)";
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new StoreOpenException(file + " is not a regular file" + fix);
        }
        try {
            IgnoreSet set = Wire.mapper().readValue(Files.readAllBytes(file), IgnoreSet.class);
            if (set == null) {
                throw new StoreOpenException(file + " holds no ignore rules" + fix);
            }
            return IgnoreRules.of(set.check());
        } catch (JsonProcessingException e) {
            throw new StoreOpenException(file + " is unreadable (" + e.getOriginalMessage() + ")" + fix);
        } catch (ProtocolException e) {
            throw new StoreOpenException(file + " holds rules past the limits (" + e.getMessage() + ")" + fix);
        }
    }
}
