package io.cutover.sql;

import static io.cutover.sql.CaptureFaultChecks.assertIdentical;
import static io.cutover.sql.CaptureFaultChecks.item;
import static io.cutover.sql.CaptureFaultChecks.run;
import static io.cutover.sql.CaptureFaultChecks.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * MariaDB (binlog) capture under production events: primary keys that change, BIGINT UNSIGNED keys of
 * 2^63 and more, TIME values Java's LocalTime cannot hold, commits right before the finish. Each test
 * copies first ({@code --until backfill}), makes its changes, then resumes until drained, so that only
 * capture can carry them.
 */
class MariaDbCaptureFaultsIT {
    static MariaDbServer maria;
    static LocalDynamoDb dynamo;
    static DynamoDbClient client;

    @TempDir
    Path state;

    @BeforeAll
    static void start() throws Exception {
        maria = MariaDbServer.start();
        dynamo = LocalTables.shared();
        client = LocalTables.client(dynamo);
    }

    @AfterAll
    static void stop() throws Exception {
        maria.close();
    }

    SqlMigrationSettings settings(SqlEndpoint source, String table, String target) {
        return new SqlMigrationSettings(source, table, DynamoDbEndpoint.local("target", dynamo.endpoint()), target,
                Mapping.fromYaml("mapping:\n  partitionKey: { attribute: pk, template: \"ID#${id}\" }\n", "test"), state, 2, 2, 100, 4, 0, false);
    }




    @Test
    void primaryKeyMovesHugeUnsignedKeysAndUnmappableTimesDuringCapture() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(maria.createDatabase("faults"));
        maria.execute("faults", "CREATE TABLE items (id BIGINT UNSIGNED PRIMARY KEY, name VARCHAR(20), at TIME)",
                "INSERT INTO items SELECT seq, CONCAT('n', seq), '10:00:00' FROM seq_1_to_20",
                "INSERT INTO items VALUES (9223372036854775813, 'big', NULL)");
        String target = LocalTables.uniqueName("faults");
        SqlMigrationSettings settings = settings(source, "items", target);
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        assertEquals("big", item(client, target, "ID#9223372036854775813").get("name").s(), "the backfill reads 2^63 + 5 exactly");
        maria.execute("faults", "UPDATE items SET id = id + 1000 WHERE id <= 5",
                "INSERT INTO items VALUES (18446744073709551615, 'max', NULL)",
                "UPDATE items SET name = 'big-edit' WHERE id = 9223372036854775813",
                "INSERT INTO items VALUES (30, 'negative', '-01:00:00'), (31, 'long', '25:00:00')",
                "UPDATE items SET name = 'after' WHERE id = 6");

        MigrationStatus done = run(settings, "drained", () -> { });

        assertEquals("COMPLETE", done.phase());
        assertEquals(2, done.deadLettered(), "the two rows with TIME outside 00:00-24:00 are dead-lettered, and capture went on");
        String dead = Files.readString(state.resolve("dead-letters.jsonl"));
        assertTrue(dead.contains("cannot be mapped") && dead.contains("\"30\"") && dead.contains("\"31\""), dead);
        assertEquals("after", item(client, target, "ID#6").get("name").s(), "a change after the poison events was applied");
        assertTrue(item(client, target, "ID#1").isEmpty(), "the old key of a moved row is gone");
        assertEquals("n3", item(client, target, "ID#1003").get("name").s(), "the row under its new key");
        assertEquals("max", item(client, target, "ID#18446744073709551615").get("name").s());
        assertEquals("big-edit", item(client, target, "ID#9223372036854775813").get("name").s());
        assertTrue(item(client, target, "ID#-9223372036854775803").isEmpty(), "2^63 + 5 was not captured as a negative number");
        maria.execute("faults", "DELETE FROM items WHERE id IN (30, 31)"); // not in the target: they were dead-lettered
        assertIdentical(settings, 22, state, dynamo, client);
    }

    @Test
    void commitsRightBeforeTheFinishAreCapturedAndApplied() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(maria.createDatabase("late"));
        maria.execute("late", "CREATE TABLE t (id BIGINT PRIMARY KEY, v INT)", "INSERT INTO t SELECT seq, seq FROM seq_1_to_20");
        String target = LocalTables.uniqueName("late");
        SqlMigrationSettings settings = settings(source, "t", target);
        maria.execute("mysql", "SET GLOBAL log_output = 'TABLE'", "TRUNCATE TABLE mysql.general_log", "SET GLOBAL general_log = 1");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        maria.execute("mysql", "SET GLOBAL general_log = 0");
        try (var c = maria.connect("mysql"); var rs = c.createStatement().executeQuery("SELECT COUNT(*), SUM(argument LIKE 'FLUSH TABLES%'"
                + " OR argument LIKE 'LOCK TABLE%') FROM mysql.general_log WHERE command_type = 'Query'")) {
            rs.next();
            assertTrue(rs.getLong(1) > 0, "the general log recorded the connector's queries");
            assertEquals(0, rs.getLong(2), "no FLUSH TABLES WITH READ LOCK and no LOCK TABLES: no snapshot is taken, so no lock");
        }
        for (int id = 21; id <= 40; id++) {
            maria.execute("late", "INSERT INTO t VALUES (" + id + ", " + id + ")"); // 20 commits, the writers then stop
        }

        MigrationStatus done = run(settings, "drained", () -> CaptureFaultChecks.sleep(3_000)); // capture over 2 s behind

        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.backlog());
        assertEquals("40", item(client, target, "ID#40").get("v").n(), "the last commit before the finish was applied");
        assertIdentical(settings, 40, state, dynamo, client);
    }
}
