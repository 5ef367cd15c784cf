package dev.ferry.store.security;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenGuardTest {
    @Test
    void aNetworkAddressWithoutATokenIsRefusedWithTheSettingsNamed() {
        for (String host : new String[] {"0.0.0.0", "::", "[::]", "10.1.2.3", "192.168.0.1", "", "no-such-host.invalid"}) {
            String why = ListenGuard.listenProblem(host, false, false);
            assertNotNull(why, host);
            assertTrue(why.contains("FERRY_TOKEN") && why.contains("QUARKUS_HTTP_HOST"), why);
        }
    }

    @Test
    void loopbackATokenOrTheExplicitOptOutMayListen() {
        for (String host : new String[] {"127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"}) {
            assertNull(ListenGuard.listenProblem(host, false, false), host);
        }
        assertNull(ListenGuard.listenProblem("0.0.0.0", true, false));
        assertNull(ListenGuard.listenProblem("0.0.0.0", false, true));
    }

    @Test
    void tokensArePrintableAscii() {
        assertNull(ListenGuard.tokenProblem(null));
        assertNull(ListenGuard.tokenProblem("Abc-123_~+/="));
        assertNotNull(ListenGuard.tokenProblem("with space"));
        assertNotNull(ListenGuard.tokenProblem("t\u00e9"));
        assertNotNull(ListenGuard.tokenProblem("tab\t"));
    }

    @Test
    void thePlaceholderIsRefusedEverywhereAndAShortTokenOnTheNetwork() {
        String placeholder = ListenGuard.weakTokenProblem("replace-me-with-a-long-random-string", "127.0.0.1");
        assertNotNull(placeholder);
        assertTrue(placeholder.contains("placeholder"), placeholder);
        assertNotNull(ListenGuard.weakTokenProblem("CHANGE-ME", "0.0.0.0"));
        String shortOne = ListenGuard.weakTokenProblem("short-token", "0.0.0.0");
        assertNotNull(shortOne);
        assertTrue(shortOne.contains("too short") && shortOne.contains("16"), shortOne);
        assertNull(ListenGuard.weakTokenProblem("short-token", "127.0.0.1"), "loopback: only local users reach it");
        assertNull(ListenGuard.weakTokenProblem("0123456789abcdef", "0.0.0.0"));
        assertNull(ListenGuard.weakTokenProblem(null, "0.0.0.0"));
    }
}
