package io.cutover.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The proxy in front of a loopback echo server: it forwards, delays, resets, and goes half-open. */
class TcpFaultProxyIT {
    private static ServerSocket echo;

    @BeforeAll
    static void startEcho() throws IOException {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread c = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException ignored) {
                            // the proxy reset it
                        }
                    });
                    c.setDaemon(true);
                    c.start();
                } catch (IOException closed) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @AfterAll
    static void stopEcho() throws IOException {
        echo.close();
    }

    private static byte[] roundTrip(Socket s, byte[] data) throws IOException {
        s.getOutputStream().write(data);
        s.getOutputStream().flush();
        return s.getInputStream().readNBytes(data.length);
    }

    @Test
    void forwardsBothWaysWithTheLatencyAdded() throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", echo.getLocalPort(), 1).latencyMillis(100);
             Socket s = new Socket("127.0.0.1", proxy.port())) {
            long t0 = System.nanoTime();
            assertArrayEquals("hello".getBytes(), roundTrip(s, "hello".getBytes()));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(millis >= 200, "two delayed chunks took only " + millis + " ms");
            assertEquals(1, proxy.connections());
        }
    }

    @Test
    void resetsAConnectionSoTheClientSeesAnErrorNotAnEnd() throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", echo.getLocalPort(), 2).resetRate(1.0);
             Socket s = new Socket("127.0.0.1", proxy.port())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(1);
            IOException e = assertThrows(IOException.class, () -> {
                // the echo's byte may or may not arrive before the reset; then the reset shows
                for (int i = 0; i < 3; i++) {
                    if (s.getInputStream().read() < 0) {
                        throw new AssertionError("a clean end of stream, not a reset");
                    }
                    s.getOutputStream().write(1);
                }
            });
            assertTrue(e instanceof SocketException, e.toString());
            assertTrue(proxy.resets() >= 1);
        }
    }

    @Test
    void aHalfOpenConnectionIsSilentUntilTheClientsReadTimeout() throws Exception {
        // Twenty times over: the echo's answer to the chunk that turned the connection half-open must never come
        // back, however the proxy's two pumps are scheduled (CI once saw it overtake the fault).
        for (int round = 0; round < 20; round++) {
            try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", echo.getLocalPort(), 3 + round);
                 Socket s = new Socket("127.0.0.1", proxy.port())) {
                assertArrayEquals(new byte[] {7}, roundTrip(s, new byte[] {7}));
                proxy.halfOpenRate(1.0);
                s.getOutputStream().write(8); // forwarded, then the connection goes silent: the echo never comes back, nor a close
                s.setSoTimeout(200);
                int r = round;
                assertThrows(SocketTimeoutException.class, () -> s.getInputStream().read(), () -> "round " + r);
                s.getOutputStream().write(9); // the client can still write: nothing tells it the connection is dead
                assertEquals(1, proxy.halfOpens());
            }
        }
    }

    @Test
    void resetAllDropsEveryOpenConnection() throws Exception {
        try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", echo.getLocalPort(), 4);
             Socket a = new Socket("127.0.0.1", proxy.port()); Socket b = new Socket("127.0.0.1", proxy.port())) {
            assertArrayEquals(new byte[] {1}, roundTrip(a, new byte[] {1}));
            assertArrayEquals(new byte[] {2}, roundTrip(b, new byte[] {2}));
            proxy.resetAll();
            a.setSoTimeout(5000);
            assertThrows(IOException.class, () -> {
                if (a.getInputStream().read() < 0) {
                    throw new SocketException("ended");
                }
            });
        }
    }
}
