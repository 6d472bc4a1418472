package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * PostgreSQL capture under the events production throws at it: primary keys that change, tables
 * partitioned by date, a replication slot that vanished between runs, commits right before the finish.
 * Each test copies first ({@code --until backfill}), makes its changes, then resumes until drained, so
 * that only capture can carry them.
 */
class PostgresCaptureFaultsIT {
    static EmbeddedPostgresServer pg;
    static LocalDynamoDb dynamo;
    static DynamoDbClient client;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresServer.start();
        dynamo = LocalTables.shared();
        client = LocalTables.client(dynamo);
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    SqlMigrationSettings settings(SqlEndpoint source, String table, String target, String mappingYaml) {
        return new SqlMigrationSettings(source, table, DynamoDbEndpoint.local("target", dynamo.endpoint()), target,
                Mapping.fromYaml(mappingYaml, "test"), state, 2, 2, 100, 4, 0, false);
    }

    static MigrationStatus run(SqlMigrationSettings settings, String until, boolean finish) {
        try (SqlMigration migration = new SqlMigration(settings)) {
            return migration.run(until, finish, CopyProgress.NONE, s -> { });
        }
    }

    Map<String, AttributeValue> item(String target, String pk) {
        return client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS(pk)))).item();
    }

    void assertIdentical(SqlMigrationSettings settings, long expected) {
        SqlTable table = new SqlTable(settings.source(), settings.sourceTable());
        VerifyResult result = PostgresMigrationIT.verify(table, settings.mapping().bind(table.schema()), settings.targetTable(), state, dynamo, client)
                .result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(expected, result.targetItems());
    }

    @Test
    void aPrimaryKeyUpdateMovesTheItemAndLosesNothing() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("pk_moves"));
        pg.execute("pk_moves", "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL)",
                "INSERT INTO accounts SELECT g, 'n' || g FROM generate_series(1, 50) g");
        String target = LocalTables.uniqueName("pkmoves");
        SqlMigrationSettings settings = settings(source, "accounts", target, "mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", false).phase());
        pg.execute("pk_moves", "UPDATE accounts SET id = id + 1000 WHERE id <= 10", "UPDATE accounts SET id = 2000, name = 'moved twice' WHERE id = 1001");

        MigrationStatus done = run(settings, "drained", true);

        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        assertTrue(item(target, "ACC#1").isEmpty(), "the old key is gone");
        assertEquals("moved twice", item(target, "ACC#2000").get("name").s());
        assertEquals("n5", item(target, "ACC#1005").get("name").s(), "the row under its new key");
        assertIdentical(settings, 50);
    }
}
