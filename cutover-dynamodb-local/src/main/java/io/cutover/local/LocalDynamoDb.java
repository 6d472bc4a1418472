package io.cutover.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/**
 * Amazon's DynamoDB Local, started on a loopback port with {@code -inMemory -sharedDb}: in this JVM
 * (the demo, most tests) or as a child process (benchmarks, so that the server's CPU and memory are
 * not counted as Cutover's). Always through HTTP, so that the real SDK client path is exercised;
 * the library's embedded mode returns responses without an HTTP response object.
 *
 * <p>Telemetry is switched off ({@code -disableTelemetry}): this machine talks to nothing but loopback.
 * Note that DynamoDB Local binds its port on every interface; Cutover only connects through 127.0.0.1.
 *
 * <p>Any credentials and region work against it; {@link #ACCESS_KEY} and {@link #REGION} are the
 * ones the demo uses.
 */
public final class LocalDynamoDb implements AutoCloseable {
    public static final String ACCESS_KEY = "cutoverlocal";
    public static final String SECRET_KEY = "cutoverlocalsecret";
    public static final String REGION = "us-east-1";
    private static final Logger LOG = LoggerFactory.getLogger(LocalDynamoDb.class);
    private static final String NATIVE = "libsqlite4java-linux-amd64.so";

    private final int port;
    private final DynamoDBProxyServer server;
    private final Process process;

    private LocalDynamoDb(int port, DynamoDBProxyServer server, Process process) {
        this.port = port;
        this.server = server;
        this.process = process;
    }

    /** Starts a server inside this JVM on a free loopback port. */
    public static LocalDynamoDb startInProcess() {
        return startInProcess(0);
    }

    /** Starts a server inside this JVM on the given port (0 for a free one). */
    public static LocalDynamoDb startInProcess(int requestedPort) {
        System.setProperty("sqlite4java.library.path", nativeLibraryDir().toString());
        quietLogging();
        int port = requestedPort > 0 ? requestedPort : freePort();
        java.io.PrintStream stdout = System.out;
        try {
            // DynamoDB Local prints its configuration banner on stdout, which belongs to our results.
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            DynamoDBProxyServer server;
            try {
                server = ServerRunner.createServerFromCommandLineArgs(
                        new String[] {"-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port)});
                server.start();
            } finally {
                System.setOut(stdout);
            }
            awaitPort(port, Duration.ofSeconds(30), null);
            LOG.debug("DynamoDB Local in process on port {}", port);
            return new LocalDynamoDb(port, server, null);
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Starts a server as a child JVM on a free loopback port, with this JVM's class path (which must
     * hold DynamoDB Local's jars). The child is killed when this JVM exits.
     */
    public static LocalDynamoDb startChildProcess(String... jvmArgs) {
        int port = freePort();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.add("-Dsqlite4java.library.path=" + nativeLibraryDir());
        cmd.add("-Dlog4j2.level=WARN");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServerRunner.class.getName());
        cmd.addAll(List.of("-inMemory", "-sharedDb", "-disableTelemetry", "-port", Integer.toString(port)));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
            awaitPort(port, Duration.ofSeconds(60), p);
            return new LocalDynamoDb(port, null, p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start DynamoDB Local: " + e.getMessage(), e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** The child process's id, or -1 when the server runs in this JVM. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    @Override
    public void close() {
        try {
            if (server != null) {
                server.stop();
            }
        } catch (Exception e) {
            LOG.warn("DynamoDB Local did not stop cleanly: {}", e.toString());
        }
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** Extracts sqlite4java's native library (shipped in this jar) once per JVM. */
    static synchronized Path nativeLibraryDir() {
        String existing = System.getProperty("cutover.sqlite4java.dir");
        if (existing != null) {
            return Path.of(existing);
        }
        try (InputStream in = LocalDynamoDb.class.getResourceAsStream("native/" + NATIVE)) {
            if (in == null) {
                throw new IllegalStateException(NATIVE + " is missing from the cutover-dynamodb-local jar; rebuild with mvn package");
            }
            Path dir = Files.createTempDirectory("cutover-sqlite4java");
            Path lib = dir.resolve(NATIVE);
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            lib.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            System.setProperty("cutover.sqlite4java.dir", dir.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract " + NATIVE + ": " + e.getMessage(), e);
        }
    }

    /** Held so that the level set on it is not lost when the logger would be garbage collected. */
    private static final java.util.logging.Logger SQLITE4JAVA = java.util.logging.Logger.getLogger("com.almworks.sqlite4java");

    private static void quietLogging() {
        // DynamoDB Local logs through log4j2, its sqlite4java through java.util.logging; keep both to warnings.
        if (System.getProperty("log4j2.level") == null) {
            System.setProperty("log4j2.level", "WARN");
        }
        SQLITE4JAVA.setLevel(java.util.logging.Level.WARNING);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void awaitPort(int port, Duration timeout, Process p) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (p != null && !p.isAlive()) {
                throw new IllegalStateException("DynamoDB Local exited with code " + p.exitValue());
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while DynamoDB Local started", ie);
                }
            }
        }
        throw new IllegalStateException("DynamoDB Local did not open port " + port + " within " + timeout.toSeconds() + " s");
    }
}
