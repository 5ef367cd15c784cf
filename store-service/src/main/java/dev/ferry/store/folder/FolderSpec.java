package dev.ferry.store.folder;

import dev.ferry.protocol.RelativePaths;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One folder of {@code ferry.store.folders}: its name and the path of its store. {@link #parse} reads the setting
 * and says precisely what is wrong with it.
 */
public record FolderSpec(String name, Path path) {
    /** What a folder's name may be: it is a path segment under DEST and a query parameter. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    /** Thrown for a setting that cannot be used; the message names the setting and the item. */
    public static final class BadSetting extends IllegalArgumentException {
        BadSetting(String message) {
            super(message);
        }
    }

    /**
     * The folders of {@code items} ({@code NAME} or {@code NAME=PATH}), in order; PATH defaults to
     * {@code dest/NAME}, a relative PATH is taken under {@code dest}.
     */
    public static List<FolderSpec> parse(List<String> items, Path dest) {
        List<FolderSpec> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Map<Path, String> paths = new HashMap<>();
        for (String raw : items) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String name = eq < 0 ? item : item.substring(0, eq).trim();
            String where = eq < 0 ? null : item.substring(eq + 1).trim();
            if (!NAME.matcher(name).matches()) {
                throw new BadSetting("ferry.store.folders: '" + name + "' is not a folder name (lower-case letters, "
                        + "digits, '.', '_' and '-', starting with a letter or digit, at most 63 characters)");
            }
            if (!names.add(name)) {
                throw new BadSetting("ferry.store.folders: folder '" + name + "' is named twice");
            }
            Path path;
            try {
                path = where == null || where.isEmpty() ? dest.resolve(name) : dest.resolve(where);
            } catch (InvalidPathException e) {
                throw new BadSetting("ferry.store.folders: the path of folder '" + name + "' is not a valid path: " + where);
            }
            path = path.toAbsolutePath().normalize();
            Path container = dest.toAbsolutePath().normalize();
            if (container.startsWith(path)) {
                throw new BadSetting("ferry.store.folders: folder '" + name + "' cannot be DEST or a folder above it ("
                        + path + "): DEST holds the folders");
            }
            if (path.startsWith(container.resolve(RelativePaths.STATE_DIR))) {
                throw new BadSetting("ferry.store.folders: folder '" + name + "' cannot be inside DEST's own "
                        + RelativePaths.STATE_DIR + " (" + path + ")");
            }
            for (Map.Entry<Path, String> other : paths.entrySet()) {
                if (path.startsWith(other.getKey()) || other.getKey().startsWith(path)) {
                    throw new BadSetting("ferry.store.folders: folders '" + other.getValue() + "' and '" + name
                            + "' overlap (" + other.getKey() + ", " + path + "): each folder needs a tree of its own");
                }
            }
            paths.put(path, name);
            out.add(new FolderSpec(name, path));
        }
        return out;
    }

    /**
     * Why DEST cannot be the container of folders, or null: a DEST that is a store of one folder with entries would
     * have them served by no folder, and its own auditor would take the folders for foreign entries. Its mirror
     * moves into a folder instead (DEST's content, {@code .ferry} included, into DEST/NAME).
     */
    public static String containerProblem(Path dest, long entries) {
        if (entries == 0) {
            return null;
        }
        return "ferry.store.folders is set, but DEST " + dest + " is a store of one folder with " + entries
                + " entries: with folders, DEST only holds them. Stop the store and move DEST's content ("
                + RelativePaths.STATE_DIR + " included) into a folder, e.g. " + dest.resolve("main")
                + ", and list it (ferry.store.folders=main,...); or unset ferry.store.folders";
    }

    /** The names of {@code ferry.store.folders} items, each checked, in order. */
    public static Set<String> names(List<String> items) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (FolderSpec f : parse(items, Path.of("/nowhere-" + java.util.UUID.randomUUID()))) {
            out.add(f.name());
        }
        return out;
    }

    /** {@code ferry.store.folder-tokens}: folder name -> token; every name must be one of {@code folders}. */
    public static Map<String, String> parseTokens(List<String> items, Set<String> folders) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String raw : items) {
            String item = raw.trim();
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new BadSetting("ferry.store.folder-tokens: items are NAME=TOKEN, one is not (item " + (out.size() + 1) + ")");
            }
            String name = item.substring(0, eq).trim();
            if (!folders.contains(name)) {
                throw new BadSetting("ferry.store.folder-tokens: '" + name + "' is not a folder of ferry.store.folders"
                        + (folders.isEmpty() ? " (unset)" : " (" + String.join(", ", folders) + ")"));
            }
            if (out.put(name, item.substring(eq + 1).trim()) != null) {
                throw new BadSetting("ferry.store.folder-tokens: folder '" + name + "' has two tokens");
            }
        }
        return out;
    }
}
