package dev.ferry.store.health;

import dev.ferry.store.TempDestProfile;

import java.util.Map;

/** A temporary DEST and a free-space threshold no disk meets: the store is never ready. */
public class DiskFullProfile extends TempDestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> config = super.getConfigOverrides();
        config.put("ferry.store.min-free-disk", "1000000T");
        return config;
    }
}
