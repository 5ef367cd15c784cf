package dev.ferry.benchmarks.vsrsync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SyncthingSideTest {
    private static final String SELF = "AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA-AAAAAAA";
    private static final String PEER = "BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB-BBBBBBB";

    @Test
    void configHasEverySettingTheComparisonReliesOn() throws Exception {
        String xml = SyncthingSide.config(SELF, PEER, "receiveonly", Path.of("/tmp/a & <b>"), 4001, 4002, 4003);
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
        XPath x = XPathFactory.newInstance().newXPath();
        assertEquals("/tmp/a & <b>", x.evaluate("/configuration/folder/@path", doc));
        assertEquals("receiveonly", x.evaluate("/configuration/folder/@type", doc));
        assertEquals("true", x.evaluate("/configuration/folder/@fsWatcherEnabled", doc));
        assertEquals("1", x.evaluate("/configuration/folder/@fsWatcherDelayS", doc));
        assertEquals("false", x.evaluate("/configuration/folder/@ignorePerms", doc));
        assertEquals("0", x.evaluate("/configuration/folder/modTimeWindowS", doc));
        assertEquals("false", x.evaluate("/configuration/folder/copyOwnershipFromParent", doc));
        assertEquals("2", x.evaluate("count(/configuration/folder/device)", doc));
        assertEquals("tcp://127.0.0.1:4003", x.evaluate("/configuration/device[@id='" + PEER + "']/address", doc));
        assertEquals("127.0.0.1:4001", x.evaluate("/configuration/gui/address", doc));
        assertEquals("tcp://127.0.0.1:4002", x.evaluate("/configuration/options/listenAddress", doc));
        for (String off : new String[] {"globalAnnounceEnabled", "localAnnounceEnabled", "relaysEnabled",
                "natEnabled", "crashReportingEnabled", "startBrowser", "setLowPriority"}) {
            assertEquals("false", x.evaluate("/configuration/options/" + off, doc), off);
        }
        assertEquals("-1", x.evaluate("/configuration/options/urAccepted", doc));
        assertEquals("0", x.evaluate("/configuration/options/autoUpgradeIntervalH", doc));
    }

    @Test
    void connectedReadsOnlyThePeersEntry() {
        String json = """
                {"connections": {
                  "%s": {"address": "", "connected": false, "paused": false},
                  "%s": {"address": "127.0.0.1:1", "connected": true, "paused": false}
                }, "total": {}}""".formatted(PEER, SELF);
        assertTrue(SyncthingSide.connected(json, SELF));
        assertFalse(SyncthingSide.connected(json, PEER));
        assertFalse(SyncthingSide.connected(json, "CCCCCCC"));
    }
}
