package dev.ferry.watcher.control;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * rsync's --bwlimit units (man rsync, --bwlimit and --max-size): the expected bytes a second are rsync's own
 * arithmetic, size = number x unit (+/-1), then rounded to the nearest KiB; the refused values are the ones rsync 3.x
 * refuses ({@code rsync --bwlimit=VALUE --version} says "invalid" or "too small"), plus one deliberate difference:
 * a unit without a number ({@code k}) is refused, where rsync reads it as 0, no limit.
 */
class BandwidthRateTest {

    @ParameterizedTest(name = "{0} = {1} B/s")
    @CsvSource({
            // no suffix: KiB
            "1, 1024",
            "500, 512000",
            "1.5, 2048",
            // one letter or "iB": 1024-based
            "1k, 1024", "1K, 1024", "1KiB, 1024", "1kib, 1024",
            "1m, 1048576", "1M, 1048576", "1MiB, 1048576", "1.5m, 1572864", ".5m, 524288",
            "1g, 1073741824", "1G, 1073741824", "1t, 1099511627776",
            // two letters ending in B: 1000-based, then rounded to the nearest KiB
            "1KB, 1024", "1kb, 1024", "1MB, 1000448", "1mb, 1000448", "1.5mb, 1500160", "2MB, 1999872",
            "1GB, 1000000512",
            // bytes, rounded to the nearest KiB (512 is the smallest rsync takes)
            "512b, 1024", "1023b, 1024", "1536b, 2048", "1535b, 1024", "2048B, 2048",
            // +1 / -1 offsets
            "2k+1, 2048", "1k-1, 1024", "1.5mb-1, 1500160",
            // 0: no limit
            "0, 0", "0k, 0", "0.0M, 0",
            // surrounding blanks are forgiven
            "' 2M ', 2097152"
    })
    void parsesAsRsyncDoes(String text, long bytesPerSecond) {
        assertEquals(bytesPerSecond, BandwidthRate.parse(text).bytesPerSecond());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "1x", "1e3", "-1", "k", "1kk", "1 k", "1.2.3", "0.4k", "100b", "511b",
            "1k+2", "1M/s", "++1"})
    void refusesWhatRsyncRefuses(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BandwidthRate.parse(text));
        assertTrue(e.getMessage().contains("bad bandwidth limit '" + text + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("--bwlimit"), e.getMessage());
    }

    @Test
    void tooSmallSaysTheSmallest() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> BandwidthRate.parse("100b")).getMessage()
                .contains("512 bytes"));
    }

    @Test
    void argumentParsesBack() {
        for (String s : new String[] {"0", "1", "1.5m", "3M", "2MB", "100K", "7g"}) {
            BandwidthRate r = BandwidthRate.parse(s);
            assertEquals(r, BandwidthRate.parse(r.argument()), s);
        }
        assertEquals("unlimited", BandwidthRate.UNLIMITED.toString());
        assertEquals("1.5 MiB/s", BandwidthRate.parse("1.5M").toString());
    }
}
