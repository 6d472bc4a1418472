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
        try (PreparedStatement s = writer.prepareStatement(present ? "UPDATE accounts SET v = ?, note = ? WHERE id = ?"
                : "INSERT INTO accounts (v, note, id) VALUES (?, ?, ?)")) {
            s.setInt(1, v);
            s.setString(2, "n" + v);
            s.setInt(3, id(key));
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

    @Test
    @Timeout(300)
    void restoresExactlyTheRecordedStateAtEachMarkAndPrunesToTheRetention() throws Exception {
        pg = EmbeddedPostgresServer.start();
        try {
            uri = pg.createDatabase("restore_db");
            pg.execute("restore_db", "CREATE TABLE accounts (id int PRIMARY KEY, v int NOT NULL, note text)",
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
