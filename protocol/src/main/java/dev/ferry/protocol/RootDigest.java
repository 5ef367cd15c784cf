package dev.ferry.protocol;

import dev.ferry.chunker.ChunkHash;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The digest of a whole tree: SHA-256 over "path NUL digest LF" for every entry, in path order. */
public final class RootDigest {
    /** The root digest of an empty tree. */
    public static final String EMPTY = of(Map.of());

    private RootDigest() {
    }

    /** {@code entries} maps each relative path to its manifest digest. */
    public static String of(Map<String, String> entries) {
        List<String> paths = new ArrayList<>(entries.keySet());
        paths.sort(null);
        MessageDigest md = ChunkHash.newDigest();
        for (String path : paths) {
            md.update(path.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(entries.get(path).getBytes(StandardCharsets.US_ASCII));
            md.update((byte) '\n');
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
