package dev.ferry.store.security;

import dev.ferry.store.config.StoreConfig;
import io.quarkus.runtime.configuration.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folder tokens ({@code ferry.store.folder-tokens}) and the listen guard, without starting the store. */
class FolderTokenGuardTest {
    private static final String TOKEN_A = "folder-a-token-0123456";

    /** The settings the token filter reads; everything else unset. */
    private static StoreConfig config(String admin, List<String> folders, List<String> tokens) {
        Map<String, Object> store = Map.of("folders", Optional.of(folders), "folderTokens", Optional.of(tokens),
                "allowNoToken", false);
        StoreConfig.Store s = (StoreConfig.Store) Proxy.newProxyInstance(StoreConfig.class.getClassLoader(),
                new Class<?>[]{StoreConfig.Store.class}, (p, m, a) -> store.get(m.getName()));
        return (StoreConfig) Proxy.newProxyInstance(StoreConfig.class.getClassLoader(), new Class<?>[]{StoreConfig.class},
                (p, m, a) -> m.getName().equals("token") ? Optional.ofNullable(admin) : s);
    }

    @Test
    void aFolderTokenAloneCountsAsATokenForTheListenGuard() {
        TokenFilter filter = new TokenFilter(config(null, List.of("a", "b"), List.of("a=" + TOKEN_A)), "0.0.0.0");
        assertTrue(filter.required(), "a store with only folder tokens requires a token on every request");
        assertNull(ListenGuard.listenProblem("0.0.0.0", filter.required(), false));
        assertFalse(new TokenFilter(config(null, List.of("a"), List.of()), "127.0.0.1").required());
    }

    @Test
    void aFolderTokenNamesItsFolderAndNotTheAdmin() {
        TokenFilter filter = new TokenFilter(config("admin-token-0123456789", List.of("a", "b"), List.of("a=" + TOKEN_A)),
                "127.0.0.1");
        assertEquals("a", filter.folderOf("Bearer " + TOKEN_A));
        assertNull(filter.folderOf("Bearer admin-token-0123456789"));
        assertTrue(filter.authorized("Bearer admin-token-0123456789"));
        assertFalse(filter.authorized("Bearer " + TOKEN_A), "a folder token is not the admin token");
    }

    @Test
    void weakOrMisnamedFolderTokensStopTheStart() {
        ConfigurationException weak = assertThrows(ConfigurationException.class,
                () -> new TokenFilter(config(null, List.of("a"), List.of("a=short")), "0.0.0.0"));
        assertTrue(weak.getMessage().contains("the token of folder a"), weak.getMessage());
        ConfigurationException unknown = assertThrows(ConfigurationException.class,
                () -> new TokenFilter(config(null, List.of("a"), List.of("b=" + TOKEN_A)), "127.0.0.1"));
        assertTrue(unknown.getMessage().contains("'b' is not a folder"), unknown.getMessage());
    }
}
