package dev.ferry.benchmarks.vsrsync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CountingProxyTest {
    @Test
    void countsEveryByteInEachDirectionAndPassesHalfCloseOn() throws Exception {
        byte[] request = new byte[3_000_001];
        new SplittableRandom(7).nextBytes(request);
        byte[] reply = new byte[123_457];
        new SplittableRandom(8).nextBytes(reply);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread echo = new Thread(() -> {
                try (Socket s = server.accept()) {
                    InputStream in = s.getInputStream();
                    byte[] got = in.readAllBytes(); // until the client's half-close arrives through the proxy
                    OutputStream out = s.getOutputStream();
                    out.write(reply);
                    out.write(new byte[got.length == request.length ? 0 : 1]);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            echo.start();
            try (CountingProxy proxy = new CountingProxy("test", server.getLocalPort());
                 Socket c = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                c.getOutputStream().write(request);
                c.shutdownOutput();
                byte[] back = new byte[reply.length];
                new DataInputStream(c.getInputStream()).readFully(back);
                assertEquals(-1, c.getInputStream().read(), "the server's close reaches the client, nothing extra");
                assertArrayEquals(reply, back);
                echo.join(10_000);
                for (int i = 0; i < 100 && proxy.downstream() < reply.length; i++) {
                    Thread.sleep(10);
                }
                assertEquals(request.length, proxy.upstream());
                assertEquals(reply.length, proxy.downstream());
                assertEquals(1, proxy.connections());
                proxy.reset();
                assertEquals(0, proxy.total());
            }
        }
    }
}
