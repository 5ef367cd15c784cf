package dev.ferry.watcher.config;

import java.util.Optional;
import java.util.regex.Pattern;

/** The name of a store folder ({@code --folder}, {@code ferry.folder}): what the store accepts in {@code folder=}. */
public final class FolderName {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

    private FolderName() {
    }

    /** Why {@code name} is not a folder name, or null when it is one. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "the folder name is empty";
        }
        if (!NAME.matcher(name).matches()) {
            return "'" + name.replaceAll("\\p{Cntrl}", "?") + "' is not a folder name: lower-case letters, digits, "
                    + "'.', '_' and '-', starting with a letter or digit, at most 63 characters";
        }
        return null;
    }

    /**
     * The folder to name: {@code fromArgument} when given, else the setting; blank means none.
     *
     * @throws IllegalArgumentException when the chosen name is not a folder name (the message says which setting)
     */
    public static Optional<String> choose(Optional<String> fromArgument, Optional<String> fromSetting) {
        if (fromArgument.isPresent()) {
            return fromArgument;
        }
        Optional<String> set = fromSetting.map(String::trim).filter(s -> !s.isEmpty());
        if (set.isPresent()) {
            String problem = problem(set.get());
            if (problem != null) {
                throw new IllegalArgumentException("ferry.folder (FERRY_FOLDER): " + problem);
            }
        }
        return set;
    }
}
