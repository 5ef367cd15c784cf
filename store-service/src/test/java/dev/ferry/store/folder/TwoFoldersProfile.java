package dev.ferry.store.folder;

import dev.ferry.store.TempDestProfile;

import java.util.Map;

/**
 * A store of two folders, {@code a} and {@code b}, under a temporary DEST, with an admin token and a token per
 * folder. The periodic auditor is off, so what a test sees of a folder's index is what the sync did.
 */
public class TwoFoldersProfile extends TempDestProfile {
    public static final String ADMIN = "admin-token-0123456789";
    public static final String TOKEN_A = "folder-a-token-0123456";
    public static final String TOKEN_B = "folder-b-token-0123456";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("ferry.token", ADMIN);
        config.put("ferry.store.folders", "a,b");
        config.put("ferry.store.folder-tokens", "a=" + TOKEN_A + ",b=" + TOKEN_B);
        config.put("ferry.store.audit", "false");
        return config;
    }
}
