package dev.ferry.store;

import java.util.Map;

/** A temporary DEST and {@code ferry.token} set. */
public class TokenProfile extends TempDestProfile {
    public static final String TOKEN = "s3cret-token";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("ferry.token", TOKEN);
        return config;
    }
}
