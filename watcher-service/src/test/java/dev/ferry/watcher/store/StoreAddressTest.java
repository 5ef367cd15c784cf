package dev.ferry.watcher.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which store addresses carry the token in clear across a network (the start-up warning). */
class StoreAddressTest {

    @Test
    void plainHttpOffThisMachineIsClearTextOnTheNetwork() {
        for (String url : new String[] {"http://store.example:9181", "http://10.0.0.5:9181", "HTTP://192.0.2.1",
                "http://[2001:db8::1]:9181", "http://127.0.0.1.example.com:9181"}) {
            assertTrue(StoreAddress.parse(url).cleartextToNetwork(), url);
        }
        for (String url : new String[] {"http://127.0.0.1:9181", "http://127.1.2.3:9181/", "http://localhost:9181",
                "http://[::1]:9181", "https://store.example:9181", "https://10.0.0.5"}) {
            assertFalse(StoreAddress.parse(url).cleartextToNetwork(), url);
        }
    }
}
