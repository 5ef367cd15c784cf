package dev.ferry.store;

import java.util.Map;

/** A fresh DEST (no owner yet) and at most 4 WebSocket connections, so tests can reach the limit. */
public class SmallStoreProfile extends TempDestProfile {
    public static final int MAX_CONNECTIONS = 4;

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("ferry.store.max-connections", String.valueOf(MAX_CONNECTIONS));
        config.put("ferry.store.audit", "false");
        return config;
    }
}
