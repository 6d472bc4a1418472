package io.cutover.sql;

import static io.cutover.sql.CaptureFaultChecks.assertIdentical;
import static io.cutover.sql.CaptureFaultChecks.item;
import static io.cutover.sql.CaptureFaultChecks.run;
import static io.cutover.sql.CaptureFaultChecks.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.MappingException;
import io.cutover.sql.migrate.SqlPlan;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

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




    @Test
    void aPrimaryKeyUpdateMovesTheItemAndLosesNothing() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("pk_moves"));
        pg.execute("pk_moves", "CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL)",
                "ALTER TABLE accounts REPLICA IDENTITY FULL",
                "INSERT INTO accounts SELECT g, 'n' || g FROM generate_series(1, 50) g");
        String target = LocalTables.uniqueName("pkmoves");
        SqlMigrationSettings settings = settings(source, "accounts", target, "mapping:\n  partitionKey: { attribute: pk, template: \"ACC#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        pg.execute("pk_moves", "UPDATE accounts SET id = id + 1000 WHERE id <= 10", "UPDATE accounts SET id = 2000, name = 'moved twice' WHERE id = 1001");

        MigrationStatus done = run(settings, "drained", () -> { });

        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        assertTrue(item(client, target, "ACC#1").isEmpty(), "the old key is gone");
        assertEquals("moved twice", item(client, target, "ACC#2000").get("name").s());
        assertEquals("n5", item(client, target, "ACC#1005").get("name").s(), "the row under its new key");
        assertIdentical(settings, 50, state, dynamo, client);
    }

    @Test
    void aTimeOf24HoursIsDeadLetteredWithItsReasonAndCaptureGoesOn() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("poison"));
        pg.execute("poison", "CREATE TABLE shifts (id int PRIMARY KEY, ends time)", "INSERT INTO shifts SELECT g, '17:00' FROM generate_series(1, 10) g");
        String target = LocalTables.uniqueName("poison");
        SqlMigrationSettings settings = settings(source, "shifts", target, "mapping:\n  partitionKey: { attribute: pk, template: \"S#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        pg.execute("poison", "INSERT INTO shifts VALUES (11, '24:00')", "UPDATE shifts SET ends = '18:30' WHERE id = 2");

        MigrationStatus done = run(settings, "drained", () -> { });

        assertEquals("COMPLETE", done.phase());
        assertEquals(1, done.deadLettered());
        String dead = java.nio.file.Files.readString(state.resolve("dead-letters.jsonl"));
        assertTrue(dead.contains("cannot be mapped") && dead.contains("\"11\""), dead);
        assertEquals("18:30:00", item(client, target, "S#2").get("ends").s(), "a change after the poison event was applied");
        assertTrue(item(client, target, "S#11").isEmpty());
    }

    @Test
    void aTablePartitionedByDateIsCopiedAndCapturedFromEveryPartition() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("parts"));
        pg.execute("parts", "CREATE TABLE logs (id bigint NOT NULL, day date NOT NULL, msg text, PRIMARY KEY (id, day)) PARTITION BY RANGE (day)",
                "CREATE TABLE logs_1101 PARTITION OF logs FOR VALUES FROM ('2026-11-01') TO ('2026-11-02')",
                "CREATE TABLE logs_1102 PARTITION OF logs FOR VALUES FROM ('2026-11-02') TO ('2026-11-03')",
                "ALTER TABLE logs REPLICA IDENTITY FULL", // the parent only: partitions do not inherit it
                "INSERT INTO logs SELECT g, DATE '2026-11-01' + (g % 2), 'm' || g FROM generate_series(1, 40) g");
        String target = LocalTables.uniqueName("parts");
        SqlMigrationSettings settings = settings(source, "logs", target,
                "mapping:\n  partitionKey: { attribute: pk, template: \"${day}#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        assertEquals(40, client.scan(b -> b.tableName(target)).count(), "the backfill of the parent read both partitions");
        pg.execute("parts", "INSERT INTO logs VALUES (100, '2026-11-01', 'new'), (101, '2026-11-02', 'new')",
                "UPDATE logs SET msg = 'edited' WHERE id IN (3, 4)", "DELETE FROM logs WHERE id IN (5, 6)");

        MigrationStatus done = run(settings, "drained", () -> { });

        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        assertEquals("new", item(client, target, "2026-11-02#101").get("msg").s());
        assertEquals("edited", item(client, target, "2026-11-01#4").get("msg").s());
        assertTrue(item(client, target, "2026-11-02#5").isEmpty(), "a delete in a partition is captured");
        assertIdentical(settings, 40, state, dynamo, client);
        try (var c = pg.connect("parts"); var rs = c.createStatement().executeQuery(
                "SELECT count(*) FROM pg_class WHERE relname IN ('logs_1101', 'logs_1102') AND relreplident = 'f'")) {
            rs.next();
            assertEquals(2, rs.getInt(1), "every partition got REPLICA IDENTITY FULL, as its parent has");
        }
    }

    @Test
    void commitsRightBeforeTheFinishAreCapturedAndAppliedBeforeTheSlotIsDropped() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("late"));
        pg.execute("late", "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        String target = LocalTables.uniqueName("late");
        SqlMigrationSettings settings = settings(source, "t", target, "mapping:\n  partitionKey: { attribute: pk, template: \"T#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        for (int id = 21; id <= 40; id++) {
            pg.execute("late", "INSERT INTO t VALUES (" + id + ", " + id + ")"); // 20 commits, the writers then stop
        }

        MigrationStatus done = run(settings, "drained", () -> sleep(3_000)); // capture more than two seconds behind the source

        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.backlog());
        assertEquals("40", item(client, target, "T#40").get("v").n(), "the last commit before the finish was applied");
        assertIdentical(settings, 40, state, dynamo, client);
    }


    @Test
    void aReplicationSlotDroppedBetweenRunsStopsTheResumeWithAStreamGap() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("lost_slot"));
        pg.execute("lost_slot", "CREATE TABLE t (id int PRIMARY KEY, v int)", "INSERT INTO t SELECT g, g FROM generate_series(1, 20) g");
        String target = LocalTables.uniqueName("lostslot");
        SqlMigrationSettings settings = settings(source, "t", target, "mapping:\n  partitionKey: { attribute: pk, template: \"T#${id}\" }\n");
        assertEquals("CATCH_UP", run(settings, "backfill", () -> { }).phase());
        String slot = SqlMigration.load(state).orElseThrow().slot();
        pg.execute("lost_slot", "SELECT pg_drop_replication_slot('" + slot + "')", "UPDATE t SET v = -1 WHERE id = 1");

        CutoverException e = assertThrows(CutoverException.class, () -> run(settings, "drained", () -> { }));

        assertEquals(ErrorCode.STREAM_GAP, e.code());
        assertTrue(e.getMessage().contains("replication slot " + slot) && e.getMessage().contains("--restart"), e.getMessage());
        assertTrue(ReplicationSlots.lag(new SqlTable(source, "t"), slot).isEmpty(), "the slot was not recreated silently");
    }

    @Test
    void creatingTheSlotTimesOutNamingTheSessionIdleInATransaction() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("idle"));
        pg.execute("idle", "CREATE TABLE t (id int PRIMARY KEY)");
        SqlTable table = new SqlTable(source, "t");
        try (var blocker = pg.connect("idle")) {
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("INSERT INTO t VALUES (1)"); // then the session sits idle in its transaction
            int pid;
            try (var rs = blocker.createStatement().executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                pid = rs.getInt(1);
            }

            CutoverException e = assertThrows(CutoverException.class,
                    () -> ReplicationSlots.create(table, "idle_slot", "idle_pub", java.time.Duration.ofSeconds(2)));

            assertTrue(e.getMessage().contains("pid " + pid + " (user ") && e.getMessage().contains("idle in transaction")
                    && e.getMessage().contains("pg_terminate_backend"), e.getMessage());
            assertTrue(ReplicationSlots.lag(table, "idle_slot").isEmpty(), "no half-made slot is left");
            blocker.rollback();
        }
        ReplicationSlots.create(table, "idle_slot", "idle_pub", java.time.Duration.ofSeconds(30));
        assertFalse(ReplicationSlots.lag(table, "idle_slot").isEmpty());
        ReplicationSlots.drop(table, "idle_slot", "idle_pub");
    }

    @Test
    void planRefusesDefaultReplicaIdentityOnATableWithToastableColumns() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("toast"));
        pg.execute("toast", "CREATE TABLE docs (id int PRIMARY KEY, n int, body text)");
        SqlTable table = new SqlTable(source, "docs");
        Mapping mapping = Mapping.fromYaml("mapping:\n  partitionKey: { attribute: pk, template: \"D#${id}\" }\n", "test");

        MappingException e = assertThrows(MappingException.class, () -> SqlPlan.check(table, mapping, 0, new java.util.ArrayList<>()));

        assertTrue(e.getMessage().contains("public.docs") && e.getMessage().contains("[body]")
                && e.getMessage().contains("ALTER TABLE") && e.getMessage().contains("REPLICA IDENTITY FULL"), e.getMessage());
        pg.execute("toast", "ALTER TABLE docs REPLICA IDENTITY FULL");
        SqlPlan.check(table, mapping, 0, new java.util.ArrayList<>()); // accepted once fixed
        pg.execute("toast", "CREATE TABLE counters (id int PRIMARY KEY, n bigint, at timestamptz)");
        SqlPlan.check(new SqlTable(source, "counters"), mapping, 0, new java.util.ArrayList<>()); // nothing to TOAST: DEFAULT is enough
    }
}
