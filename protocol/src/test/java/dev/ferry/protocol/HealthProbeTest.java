package dev.ferry.protocol;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The container self-probe against a real HTTP server on loopback. */
class HealthProbeTest {

    @Test
    void healthyOnlyWhenTheEndpointAnswers200() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/q/health/live", x -> {
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.createContext("/q/health/ready", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        server.start();
        try {
            Map<String, String> env = Map.of("QUARKUS_HTTP_PORT", Integer.toString(server.getAddress().getPort()));
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8);
            assertEquals(0, HealthProbe.run(new String[] {"--probe"}, env, 1, p));
            assertEquals(0, HealthProbe.run(new String[] {"--probe", "live"}, env, 1, p));
            assertEquals(1, HealthProbe.run(new String[] {"--probe", "ready"}, env, 1, p));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("answered 503"), err.toString(StandardCharsets.UTF_8));
            assertEquals(2, HealthProbe.run(new String[] {"--probe", "sideways"}, env, 1, p));
        } finally {
            server.stop(0);
        }
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertEquals(1, HealthProbe.run(new String[] {"--probe"}, Map.of("QUARKUS_HTTP_PORT", Integer.toString(closed)), 1,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)));
    }

    @Test
    void aTlsOnlyServiceIsAskedOverHttpsOnItsTlsPort() {
        assertEquals("https://127.0.0.1:8443/q/health/ready", HealthProbe.healthUri(Map.of("QUARKUS_HTTP_PORT", "9181",
                "QUARKUS_HTTP_SSL_PORT", "8443", "QUARKUS_HTTP_INSECURE_REQUESTS", "disabled"), 9181, "ready").toString());
        assertEquals("http://127.0.0.1:9181/q/health/live", HealthProbe.healthUri(Map.of("QUARKUS_HTTP_PORT", "9181",
                "QUARKUS_HTTP_SSL_PORT", "8443"), 1, "live").toString(), "plain HTTP still served: ask it");
        assertEquals("http://127.0.0.1:9182/q/health/live", HealthProbe.healthUri(Map.of(), 9182, "live").toString());
    }
}
