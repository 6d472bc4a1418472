package io.cutover.local;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * S3Proxy (an S3-compatible server from Maven Central, in-memory "transient" backend, no authorization) run as a child
 * process from its jar with dependencies, which a module's build copies to {@code target/s3proxy/s3proxy.jar} in
 * {@code pre-integration-test} (maven-dependency-plugin). A child process because its Jetty 11 and DynamoDB Local's
 * Jetty 12 cannot share a class path. For integration tests only; any credentials work.
 */
public final class S3ProxyServer implements AutoCloseable {
    /** Where the build copies the jar, relative to the module's folder (the tests' working directory). */
    public static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");

    private final Process process;
    private final URI endpoint;

    private S3ProxyServer(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /** Starts it on a free loopback port, its configuration and log in {@code workDir}, and waits until it listens (60 s). */
    public static S3ProxyServer start(Path workDir) throws IOException, InterruptedException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("the build copies S3Proxy to " + JAR.toAbsolutePath()
                    + " (maven-dependency-plugin, pre-integration-test): run the test through mvn verify");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        Files.createDirectories(workDir);
        Path properties = workDir.resolve("s3proxy.properties");
        Path log = workDir.resolve("s3proxy.log");
        Files.writeString(properties, String.join("\n", "s3proxy.endpoint=" + endpoint, "s3proxy.authorization=none",
                "jclouds.provider=transient", "jclouds.identity=cutover", "jclouds.credential=cutover", ""));
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", JAR.toString(), "--properties", properties.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return new S3ProxyServer(p, endpoint);
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("S3Proxy exited: " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new IllegalStateException("S3Proxy did not listen within 60 s: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        }
    }

    public URI endpoint() {
        return endpoint;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
