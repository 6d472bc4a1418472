package io.cutover.cli;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Point-in-time restore from a PostgreSQL table (embedded PostgreSQL, logical decoding), migrated with a mapping that
 * re-keys rows ({@code ACC#${id}}): inserts, updates, deletes, re-inserts ({@link SourceRestoreScenario}).
 */
class PostgresRestoreIT extends SourceRestoreScenario {
    static final String MAPPING = "mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n";

    @TempDir
    Path dir;
    EmbeddedPostgresServer pg;
    Connection writer;
    String uri;
    volatile SqlMigration migration;

    /** k7 is row 7, the marker m2 row 1002. */
    private static int id(String key) {
        return (key.startsWith("m") ? 1000 : 0) + Integer.parseInt(key.substring(1));
    }

    @Override
    void write(String key, int v, boolean present) throws Exception {
        // Typed columns, for restore --into-source to bring back: a timestamp, a numeric, JSON, bytes.
        try (PreparedStatement s = writer.prepareStatement(present
                ? "UPDATE accounts SET v = ?, note = ?, at = ?, amount = ?, doc = CAST(? AS jsonb), bin = ? WHERE id = ?"
                : "INSERT INTO accounts (v, note, at, amount, doc, bin, id) VALUES (?, ?, ?, ?, CAST(? AS jsonb), ?, ?)")) {
            s.setInt(1, v);
            s.setString(2, "n" + v);
            s.setObject(3, java.time.OffsetDateTime.ofInstant(java.time.Instant.ofEpochMilli(1_700_000_000_123L + v * 1000L),
                    java.time.ZoneOffset.UTC));
            s.setBigDecimal(4, new java.math.BigDecimal(v + ".25"));
            s.setString(5, "{\"v\": " + v + ", \"tags\": [\"a\", \"b\"], \"nested\": {\"ok\": true}}");
            s.setBytes(6, new byte[] {(byte) v, 0, (byte) 0xff});
            s.setInt(7, id(key));
            s.executeUpdate();
        }
    }

    @Override
    void remove(String key) throws Exception {
        try (PreparedStatement s = writer.prepareStatement("DELETE FROM accounts WHERE id = ?")) {
            s.setInt(1, id(key));
            s.executeUpdate();
        }
    }

    @Override
    MigrationStatus migrate(Consumer<MigrationStatus> onStatus) {
        SqlMigrationSettings settings = new SqlMigrationSettings(SqlEndpoint.parse(uri), "accounts", DynamoDbEndpoint.local("target",
                dynamo.endpoint()), LocalTables.uniqueName("pg-restore"), Mapping.fromYaml(MAPPING, "test"), state, 2, 2, 100, 4, 0, false);
        try (SqlMigration m = new SqlMigration(settings)) {
            migration = m;
            return m.run(null, false, CopyProgress.NONE, onStatus);
        }
    }

    @Override
    void stopMigration() {
        SqlMigration m = migration;
        if (m != null) {
            m.requestStop();
        }
    }

    @Override
    List<String> sourceFlags() {
        try {
            Path mapping = dir.resolve("mapping.yaml");
            Files.writeString(mapping, MAPPING);
            return List.of("--source", uri, "--source-table", "accounts", "--mapping", mapping.toString(), "--segments", "2");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    String keyOf(Map<String, AttributeValue> item) {
        int id = Integer.parseInt(item.get("pk").s().substring("ACC#".length()));
        return id >= 1000 ? "m" + (id - 1000) : "k" + id;
    }

    @Override
    List<String> intoSourceFlags() {
        return List.of("--into-source", uri, "--mapping", dir.resolve("mapping.yaml").toString());
    }

    @Override
    void createIntoSourceTarget(String name) throws Exception {
        pg.execute("restore_db", "CREATE TABLE " + name + " (LIKE accounts INCLUDING ALL)");
    }

    @Override
    Map<String, Integer> intoSourceState(String name) throws Exception {
        Map<String, Integer> out = new java.util.TreeMap<>();
        try (Connection c = pg.connect("restore_db"); var rs = c.createStatement().executeQuery("SELECT id, v FROM " + name)) {
            while (rs.next()) {
                int id = rs.getInt(1);
                out.put(id >= 1000 ? "m" + (id - 1000) : "k" + id, rs.getInt(2));
            }
        }
        return out;
    }

    /** Row for row, column for column: the restored table and the source hold the same values (EXCEPT ALL both ways). */
    @Override
    void assertSameAsSource(String name) throws Exception {
        try (Connection c = pg.connect("restore_db"); var rs = c.createStatement().executeQuery("SELECT (SELECT count(*) FROM"
                + " ((SELECT * FROM accounts EXCEPT ALL SELECT * FROM " + name + ") UNION ALL (SELECT * FROM " + name
                + " EXCEPT ALL SELECT * FROM accounts)) d), (SELECT count(*) FROM accounts), (SELECT count(*) FROM " + name
                + " WHERE at IS NOT NULL AND amount IS NOT NULL AND doc IS NOT NULL AND bin IS NOT NULL)")) {
            rs.next();
            org.junit.jupiter.api.Assertions.assertEquals(0, rs.getLong(1), "rows that differ between accounts and " + name);
            org.junit.jupiter.api.Assertions.assertEquals(rs.getLong(2), rs.getLong(3), "every typed column came back");
        }
    }

    @Test
    @Timeout(300)
    void restoresExactlyTheRecordedStateAtEachMarkAndPrunesToTheRetention() throws Exception {
        pg = EmbeddedPostgresServer.start();
        try {
            uri = pg.createDatabase("restore_db");
            pg.execute("restore_db", "CREATE TABLE accounts (id int PRIMARY KEY, v int NOT NULL, note text, at timestamptz,"
                            + " amount numeric(12,2), doc jsonb, bin bytea)",
                    "ALTER TABLE accounts REPLICA IDENTITY FULL");
            try (Connection c = pg.connect("restore_db")) {
                writer = c;
                run(dir);
            }
        } finally {
            pg.close();
        }
    }
}
