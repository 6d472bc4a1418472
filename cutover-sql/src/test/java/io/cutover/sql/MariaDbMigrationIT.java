package io.cutover.sql;

import static io.cutover.sql.CaptureFaultChecks.assertIdentical;
import static io.cutover.sql.CaptureFaultChecks.item;
import static io.cutover.sql.CaptureFaultChecks.run;
import static io.cutover.sql.CaptureFaultChecks.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * MariaDB (binlog) to DynamoDB: every common type, key-column updates and deletes while the migration
 * runs, and capture under production events (primary keys that change, BIGINT UNSIGNED keys of 2^63 and
 * more, TIME values Java's LocalTime cannot hold, commits right before the finish; issue 13,
 * docs/decisions/0040). Those tests copy first ({@code --until backfill}), make their changes, then
 * resume until drained, so that only capture can carry them.
 */
class MariaDbMigrationIT {
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

    static final String TABLE = "CREATE TABLE events (id BIGINT PRIMARY KEY, tenant VARCHAR(40) NOT NULL, small SMALLINT, flag TINYINT(1),"
            + " amount DECIMAL(38,10), ratio DOUBLE, score FLOAT, created DATETIME(6) NOT NULL, seen TIMESTAMP(3) NULL, day DATE, at TIME(6),"
            + " doc JSON, blob_col BLOB, label CHAR(5), note TEXT)";

    static void insert(Connection c, long id, String tenant) throws Exception {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO events VALUES (?, ?, 7, 1, 12345678901234567890123456.1234567891, 0.1,"
                + " 1.5, '2026-11-02 10:15:30.123456', '2026-11-02 10:15:30.123', '2026-11-02', '10:15:30.5', '{\"a\": [1, 2.50, {\"b\": null}]}',"
                + " X'00FF10', 'ab', NULL)")) {
            s.setLong(1, id);
            s.setString(2, tenant);
            s.executeUpdate();
        }
    }

    @Test
    void everyTypeKeyUpdatesAndDeletesWhileMigratingEndIdentical() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(maria.createDatabase("shop"));
        maria.execute("shop", TABLE);
        try (Connection c = maria.connect("shop")) {
            for (long i = 1; i <= 500; i++) {
                insert(c, i, "t" + (i % 7));
            }
        }
        Mapping mapping = Mapping.fromYaml("""
                mapping:
                  partitionKey: { attribute: pk, template: "TENANT#${tenant:upper}" }
                  sortKey: { attribute: sk, template: "${created:yyyy-MM-dd}#${id:%010d}" }
                  computed:
                    - { attribute: ttl, template: "${created:epoch+30d}", type: N }
                  ttl: ttl
                """, "test");
        String target = LocalTables.uniqueName("events");
        SqlMigrationSettings settings = new SqlMigrationSettings(source, "events", DynamoDbEndpoint.local("target", dynamo.endpoint()), target,
                mapping, state, 3, 3, 100, 8, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(1);
        MigrationStatus done;
        try (SqlMigration migration = new SqlMigration(settings); Connection c = maria.connect("shop")) {
            Future<MigrationStatus> run = pool.submit(() -> migration.run("drained", true, CopyProgress.NONE, s -> { }));
            long end = System.currentTimeMillis() + 120_000;
            while (!SqlMigration.load(state).map(s -> !s.phase().equals("CAPTURE")).orElse(false) && System.currentTimeMillis() < end) {
                Thread.sleep(50);
            }
            for (long i = 501; i <= 600; i++) {
                insert(c, i, "t" + (i % 7));
            }
            try (var s = c.createStatement()) {
                s.executeUpdate("UPDATE events SET tenant = 'moved' WHERE id BETWEEN 10 AND 29");       // key changes
                s.executeUpdate("UPDATE events SET created = created + INTERVAL 1 DAY WHERE id BETWEEN 30 AND 39");
                s.executeUpdate("UPDATE events SET note = 'edited', amount = -0.0000000001 WHERE id BETWEEN 40 AND 59");
                s.executeUpdate("DELETE FROM events WHERE id BETWEEN 60 AND 79");
                s.executeUpdate("DELETE FROM events WHERE id BETWEEN 520 AND 529");                   // inserted during the copy
            }
            done = run.get(180, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        SqlTable table = new SqlTable(source, "events");
        RowMapper mapper = mapping.bind(table.schema());
        VerifyResult result = PostgresMigrationIT.verify(table, mapper, target, state, dynamo, client).result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(570, result.targetItems());

        Map<String, AttributeValue> moved = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#MOVED"),
                "sk", AttributeValue.fromS("2026-11-02#0000000010")))).item();
        assertEquals("moved", moved.get("tenant").s());
        assertTrue(client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#T3"),
                "sk", AttributeValue.fromS("2026-11-02#0000000010")))).item().isEmpty(), "the old key of a moved row is gone");
        Map<String, AttributeValue> item = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("TENANT#T2"),
                "sk", AttributeValue.fromS("2026-11-02#0000000100")))).item();
        assertEquals("100", item.get("id").n());
        assertEquals("7", item.get("small").n());
        assertTrue(item.get("flag").bool(), "TINYINT(1) is BOOL");
        assertEquals("12345678901234567890123456.1234567891", item.get("amount").n());
        assertEquals("0.1", item.get("ratio").n());
        assertEquals("1.5", item.get("score").n());
        assertEquals("2026-11-02T10:15:30.123456", item.get("created").s());
        assertEquals("2026-11-02T10:15:30.123Z", item.get("seen").s());
        assertEquals("2026-11-02", item.get("day").s());
        assertEquals("10:15:30.5", item.get("at").s());
        assertEquals("2.5", item.get("doc").m().get("a").l().get(1).n());
        assertTrue(item.get("doc").m().get("a").l().get(2).m().get("b").nul());
        assertEquals(3, item.get("blob_col").b().asByteArray().length);
        assertEquals("ab", item.get("label").s());
        assertTrue(item.get("note").nul(), "NULL kept as NULL");
        assertEquals(Long.toString(java.time.Instant.parse("2026-12-02T10:15:30.123456Z").getEpochSecond()), item.get("ttl").n());
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
        try (var c = maria.connect("mysql"); var rs = c.createStatement().executeQuery("SELECT COUNT(*), SUM(UPPER(CONVERT(argument USING utf8mb4))"
                + " REGEXP 'FLUSH +TABLES|LOCK +TABLES?') FROM mysql.general_log WHERE command_type = 'Query'")) {
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
