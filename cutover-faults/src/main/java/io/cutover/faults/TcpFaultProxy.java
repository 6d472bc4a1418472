package io.cutover.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP proxy on a loopback port in front of a database server (PostgreSQL, MariaDB, MongoDB), for
 * fault tests: it forwards bytes both ways and, on a seeded random fraction of the chunks it forwards,
 * resets the connection (an RST to both ends) or turns it half-open (it stops forwarding in both
 * directions but keeps both sockets open, so neither end sees a close: only a read timeout ends it);
 * it can also delay every chunk. The fault rates and the latency can be changed while it runs, and
 * {@link #resetAll} resets every open connection at once (a failover, a NAT dropping its table).
 *
 * <p>Thread-safe. Two daemon threads per connection, one accept thread; {@link #close} stops them all.
 * Listens on 127.0.0.1 only. For tests only.
 */
public final class TcpFaultProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TcpFaultProxy.class);

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Random random;
    private final Set<Connection> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong resets = new AtomicLong();
    private final AtomicLong halfOpens = new AtomicLong();
    private volatile long latencyMillis;
    private volatile double resetRate;
    private volatile double halfOpenRate;
    private volatile boolean closed;

    private TcpFaultProxy(InetSocketAddress target, long seed) throws IOException {
        this.target = target;
        this.random = new Random(seed);
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "cutover-fault-proxy-accept-" + server.getLocalPort());
        accept.setDaemon(true);
        accept.start();
    }

    /** Starts a proxy to {@code host:port} with no faults yet (set them with the setters). */
    public static TcpFaultProxy start(String host, int port, long seed) {
        try {
            return new TcpFaultProxy(new InetSocketAddress(host, port), seed);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the fault proxy: " + e.getMessage(), e);
        }
    }

    /** The loopback port clients connect to instead of the server's. */
    public int port() {
        return server.getLocalPort();
    }

    /** Delay added to every chunk forwarded, both ways. */
    public TcpFaultProxy latencyMillis(long millis) {
        this.latencyMillis = millis;
        return this;
    }

    /** Fraction of forwarded chunks after which the connection is reset. */
    public TcpFaultProxy resetRate(double rate) {
        this.resetRate = rate;
        return this;
    }

    /** Fraction of forwarded chunks after which the connection goes half-open (silent, never closed by the proxy). */
    public TcpFaultProxy halfOpenRate(double rate) {
        this.halfOpenRate = rate;
        return this;
    }

    /** Resets every open connection now. */
    public void resetAll() {
        for (Connection c : open) {
            c.reset();
        }
    }

    public long connections() {
        return connections.get();
    }

    public long resets() {
        return resets.get();
    }

    public long halfOpens() {
        return halfOpens.get();
    }

    public String summary() {
        return "proxy :" + port() + " -> " + target + ": " + connections() + " connections, " + resets() + " resets, " + halfOpens() + " half-open";
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(target, 5000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                connections.incrementAndGet();
                Connection c = new Connection(client, upstream);
                open.add(c);
                c.start();
            } catch (IOException e) {
                if (!closed) {
                    LOG.debug("fault proxy accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private double draw() {
        synchronized (random) {
            return random.nextDouble();
        }
    }

    /** One proxied connection: a pump each way. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        private volatile boolean silent;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            pump(client, upstream, "up");
            pump(upstream, client, "down");
        }

        private void pump(Socket from, Socket to, String direction) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try (InputStream in = from.getInputStream()) {
                    OutputStream out = to.getOutputStream();
                    int n;
                    while ((n = in.read(buffer)) >= 0) {
                        if (silent) {
                            continue; // half-open: swallow everything, close nothing
                        }
                        long delay = latencyMillis;
                        if (delay > 0) {
                            Thread.sleep(delay);
                        }
                        // The fault is drawn before the chunk goes out, so a half-open connection is silent before
                        // the other end can answer this chunk: set after the write, the answer could overtake it.
                        double d = draw();
                        boolean resetAfter = d < resetRate;
                        if (!resetAfter && d < resetRate + halfOpenRate) {
                            halfOpens.incrementAndGet();
                            silent = true;
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                        if (resetAfter) {
                            resets.incrementAndGet();
                            reset();
                            return;
                        }
                    }
                    if (!silent) {
                        to.shutdownOutput(); // pass the FIN on
                    }
                } catch (IOException | InterruptedException e) {
                    reset();
                }
            }, "cutover-fault-proxy-" + direction);
            t.setDaemon(true);
            t.start();
        }

        void reset() {
            open.remove(this);
            abort(client);
            abort(upstream);
        }

        private void abort(Socket s) {
            try {
                s.setSoLinger(true, 0); // close with RST, not FIN
                s.close();
            } catch (SocketException alreadyClosed) {
                // nothing left to reset
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // stopping anyway
        }
        resetAll();
    }
}
