package dev.ferry.store;

import java.util.Map;

/** A temporary DEST with small limits and a 2 MiB quota, so tests can reach them. */
public class LimitsProfile extends TempDestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("ferry.store.max-batch-items", "100");
        config.put("ferry.store.max-session-bytes", "64K");
        config.put("ferry.store.quota", "2M");
        config.put("ferry.store.audit", "false");
        return config;
    }
}
