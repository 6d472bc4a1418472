package io.cutover.sql;

import static io.cutover.sql.CaptureFaultChecks.assertIdentical;
import static io.cutover.sql.CaptureFaultChecks.item;
import static io.cutover.sql.CaptureFaultChecks.run;
import static io.cutover.sql.CaptureFaultChecks.sleep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.verify.Verifier;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbVerifySide;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.MappingException;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.migrate.SqlPlan;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import io.cutover.sql.source.SqlVerifySide;
import java.nio.file.Path;
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
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * PostgreSQL to DynamoDB end to end: the logging example's key design with a writer running, every common
 * type, and capture under the events production throws at it (primary keys that change, tables
 * partitioned by date, a slot that vanished between runs, commits right before the finish, poison
 * events; issue 13, docs/decisions/0040). Those tests copy first ({@code --until backfill}), make their
 * changes, then resume until drained, so that only capture can carry them.
 */
class PostgresMigrationIT {
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

    static Verifier.Outcome verify(SqlTable table, RowMapper mapper, String target, Path dir) {
        return verify(table, mapper, target, dir, dynamo, client);
    }

    static Verifier.Outcome verify(SqlTable table, RowMapper mapper, String target, Path dir, LocalDynamoDb dynamo, DynamoDbClient client) {
        DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("target", dynamo.endpoint());
        try (FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve("verify-dead.jsonl"))) {
            return new Verifier(new SqlVerifySide(table, mapper, dead),
                    new DynamoDbVerifySide(client, endpoint, target, -1, RetryPolicy.defaults(), 500),
                    mapper.keyAttributeNames(), VerifyOptions.defaults().withSegments(4), CopyProgress.NONE).run();
        }
    }

    @Test
    void theLoggingExampleWithAWriterRunningEndsIdenticalAndDropsTheSlot() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("logs_e2e"));
        IntegrationLogs.createTable(source);
        IntegrationLogs.load(source, 3_000, 7);
        String target = LocalTables.uniqueName("logs");
        Mapping mapping = Mapping.fromYaml(IntegrationLogs.resource("mapping.yaml"), "mapping.yaml");
        SqlMigrationSettings settings = new SqlMigrationSettings(source, "integration_logs", DynamoDbEndpoint.local("target", dynamo.endpoint()),
                target, mapping, state, 4, 4, 500, 8, 0, false);
        IntegrationLogs.Writer writer = new IntegrationLogs.Writer(source, 11, 2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<?> writing = pool.submit(writer);
        MigrationStatus done;
        try (SqlMigration migration = new SqlMigration(settings)) {
            Future<MigrationStatus> run = pool.submit(() -> migration.run("drained", true, CopyProgress.NONE, s -> { }));
            long end = System.currentTimeMillis() + 120_000;
            while (!SqlMigration.load(state).map(s -> s.phase().equals("IN_SYNC")).orElse(false) && System.currentTimeMillis() < end && !run.isDone()) {
                Thread.sleep(100);
            }
            Thread.sleep(2_000); // changes while in sync
            writer.stop();
            writing.get(10, TimeUnit.SECONDS);
            done = run.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertNull(writer.failure());
        assertTrue(writer.keyChanges() > 5, "the writer moved rows to other keys: " + writer.keyChanges());
        assertTrue(writer.deletes() > 5, "the writer deleted rows: " + writer.deletes());
        assertEquals("COMPLETE", done.phase());
        assertEquals(0, done.deadLettered());
        assertTrue(done.captured() > 0, "changes were captured: " + done.captured());

        SqlTable table = new SqlTable(source, "integration_logs");
        RowMapper mapper = mapping.bind(table.schema());
        VerifyResult result = verify(table, mapper, target, state).result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(table.count(), result.targetItems());

        // The slot and the publication are gone, so the source keeps no WAL for us.
        assertTrue(ReplicationSlots.lag(table, SqlMigration.load(state).orElseThrow().slot()).isEmpty());
        // The target has the mapping's GSIs and TTL.
        TableDescription d = client.describeTable(b -> b.tableName(target)).table();
        assertEquals(3, d.globalSecondaryIndexes().size());
        assertEquals("ExpiresAt", client.describeTimeToLive(b -> b.tableName(target)).timeToLiveDescription().attributeName());
        // One item, as the mapping says.
        Map<String, AttributeValue> any = client.scan(b -> b.tableName(target).limit(1)).items().get(0);
        assertTrue(any.get("PK").s().matches("[a-z-]+(-v2)?-\\d{4}-\\d{2}-\\d{2}"), any.toString());
        assertTrue(any.get("SK").s().matches(".+Z#\\d+"), any.toString());
        assertTrue(any.get("Payload").hasM(), "jsonb became a map: " + any);
        assertEquals("12345678901234567890.123456789", any.get("Payload").m().get("amount").n());
        assertTrue(any.get("Tags").hasL());
    }

    @Test
    void everyCommonTypeMapsAsDocumentedThroughBackfillAndCapture() throws Exception {
        SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("types_db"));
        pg.execute("types_db", "CREATE TABLE all_types (id int PRIMARY KEY, s smallint, i int, b bigint, n numeric(38,10), r real,"
                + " d double precision, flag bool, t text, v varchar(20), c char(4), day date, ts timestamp, tstz timestamptz, tm time,"
                + " u uuid, j json, jb jsonb, bin bytea, ints int[], texts text[], nothing text)",
                "ALTER TABLE all_types REPLICA IDENTITY FULL");
        String insert = "INSERT INTO all_types VALUES (%d, -7, 2147483647, 9223372036854775807, 1234567890123456789012345678.0123456789,"
                + " 1.1, 0.1, true, 'caf\u00e9', 'v', 'ab', '2026-11-02', '2026-11-02 10:15:30.123456', '2026-11-02 10:15:30.5+02',"
                + " '23:59:59.999999', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2.0]}', '{\"deep\": {\"x\": null}}',"
                + " '\\x00ff', '{1,2,3}', '{a,NULL}', NULL)";
        for (int id = 1; id <= 20; id++) {
            pg.execute("types_db", String.format(insert, id));
        }
        Mapping mapping = Mapping.fromYaml("mapping:\n  partitionKey: { attribute: pk, template: \"ROW#${id:%05d}\" }\n", "types");
        String target = LocalTables.uniqueName("types");
        SqlMigrationSettings settings = new SqlMigrationSettings(source, "all_types", DynamoDbEndpoint.local("target", dynamo.endpoint()),
                target, mapping, state, 2, 2, 7, 4, 0, false);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        MigrationStatus done;
        try (SqlMigration migration = new SqlMigration(settings)) {
            Future<MigrationStatus> run = pool.submit(() -> migration.run("drained", true, CopyProgress.NONE, s -> { }));
            while (!SqlMigration.load(state).map(s -> !s.phase().equals("CAPTURE")).orElse(false)) {
                Thread.sleep(50);
            }
            for (int id = 21; id <= 30; id++) {
                pg.execute("types_db", String.format(insert, id)); // captured (and maybe copied too)
            }
            pg.execute("types_db", "UPDATE all_types SET n = -0.0000000001, nothing = 'x' WHERE id = 3", "DELETE FROM all_types WHERE id = 4");
            done = run.get(120, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("COMPLETE", done.phase());
        SqlTable table = new SqlTable(source, "all_types");
        VerifyResult result = verify(table, mapping.bind(table.schema()), target, state).result();
        assertTrue(result.identical(), "identical: " + result);
        assertEquals(29, result.targetItems());
        for (String pk : new String[] {"ROW#00001", "ROW#00025"}) {
            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS(pk)))).item();
            assertEquals("-7", item.get("s").n());
            assertEquals("2147483647", item.get("i").n());
            assertEquals("9223372036854775807", item.get("b").n());
            assertEquals("1234567890123456789012345678.0123456789", item.get("n").n());
            assertEquals("1.1", item.get("r").n());
            assertEquals("0.1", item.get("d").n());
            assertTrue(item.get("flag").bool());
            assertEquals("caf\u00e9", item.get("t").s());
            assertEquals("ab  ", item.get("c").s(), "char(4) keeps its padding");
            assertEquals("2026-11-02", item.get("day").s());
            assertEquals("2026-11-02T10:15:30.123456", item.get("ts").s());
            assertEquals("2026-11-02T08:15:30.500Z", item.get("tstz").s());
            assertEquals("23:59:59.999999", item.get("tm").s());
            assertEquals("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", item.get("u").s());
            assertEquals("2", item.get("j").m().get("k").l().get(1).n());
            assertTrue(item.get("jb").m().get("deep").m().get("x").nul());
            assertEquals(2, item.get("bin").b().asByteArray().length);
            assertEquals("3", item.get("ints").l().get(2).n());
            assertTrue(item.get("texts").l().get(1).nul());
            assertTrue(item.get("nothing").nul());
        }
        Map<String, AttributeValue> updated = client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("ROW#00003")))).item();
        assertEquals("-0.0000000001", updated.get("n").n());
        assertEquals("x", updated.get("nothing").s());
        assertTrue(client.getItem(b -> b.tableName(target).key(Map.of("pk", AttributeValue.fromS("ROW#00004")))).item().isEmpty());
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

    /**
     * A connection that drops while the slot is being created (what CI saw through the fault proxy: "An I/O error
     * occurred while sending to the backend" stopped the migration in PREPARE). The server does not notice the lost
     * client while the creation waits for an open transaction, so the retry finds a slot that is not consistent yet;
     * create must wait for it rather than return (a backfill started then could miss changes the slot never keeps).
     */
    @Test
    void aConnectionLostWhileTheSlotIsCreatedIsRetriedAndReturnsOnlyOnceTheSlotIsConsistent() throws Exception {
        String uri = pg.createDatabase("lost");
        pg.execute("lost", "CREATE TABLE t (id int PRIMARY KEY)");
        try (var proxy = io.cutover.faults.TcpFaultProxy.start("127.0.0.1", pg.port(), 7);
             var blocker = pg.connect("lost")) {
            SqlTable table = new SqlTable(SqlEndpoint.parse(uri.replace(":" + pg.port() + "/", ":" + proxy.port() + "/")), "t");
            blocker.setAutoCommit(false);
            blocker.createStatement().execute("INSERT INTO t VALUES (1)"); // slot creation waits for this transaction
            var creating = java.util.concurrent.CompletableFuture.runAsync(
                    () -> ReplicationSlots.create(table, "lost_slot", "lost_pub", java.time.Duration.ofSeconds(60)));
            long until = System.nanoTime() + 30_000_000_000L;
            while (slotState("lost_slot") == null && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            assertEquals("creating", slotState("lost_slot"), "the creation waits for the open transaction");
            proxy.resetAll(); // the creating session's client is gone; the server goes on waiting

            Thread.sleep(1_500);
            assertFalse(creating.isDone(), "create returned while the slot was not consistent yet");
            assertEquals("creating", slotState("lost_slot"));
            blocker.commit();

            creating.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals("consistent", slotState("lost_slot"));
            assertTrue(proxy.connections() > 1, "the create connected again: " + proxy.summary());
            ReplicationSlots.drop(table, "lost_slot", "lost_pub");
            assertNull(slotState("lost_slot"));
        }
    }

    /**
     * The drop at COMPLETE comes right after the capture closed its replication connection; the server ends that
     * walsender a moment later (later still on a slow network), and until then the slot is "active for PID": the drop
     * waits for it instead of failing the finished migration.
     */
    @Test
    void droppingASlotStillHeldByAClosingReplicationSessionWaitsForIt() throws Exception {
        String uri = pg.createDatabase("held");
        pg.execute("held", "CREATE TABLE t (id int PRIMARY KEY)");
        SqlTable table = new SqlTable(SqlEndpoint.parse(uri), "t");
        ReplicationSlots.create(table, "held_slot", "held_pub", java.time.Duration.ofSeconds(30));
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "postgres");
        props.setProperty("replication", "database");
        props.setProperty("preferQueryMode", "simple");
        props.setProperty("assumeMinServerVersion", "9.4");
        try (var replication = java.sql.DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/held", props)) {
            var stream = replication.unwrap(org.postgresql.PGConnection.class).getReplicationAPI().replicationStream().logical()
                    .withSlotName("held_slot").withSlotOption("proto_version", 1).withSlotOption("publication_names", "held_pub").start();
            stream.readPending();
            var dropping = java.util.concurrent.CompletableFuture.supplyAsync(() -> ReplicationSlots.drop(table, "held_slot", "held_pub"));
            Thread.sleep(1_000);
            assertFalse(dropping.isDone() && dropping.isCompletedExceptionally(), "the drop failed on a slot in use instead of waiting");
            stream.close();
            replication.close();
            assertEquals(java.util.List.of("replication slot held_slot", "publication held_pub"), dropping.get(60, java.util.concurrent.TimeUnit.SECONDS));
        }
        assertTrue(ReplicationSlots.lag(table, "held_slot").isEmpty());
    }

    /** Null when there is no such slot, "creating" before it has a confirmed position, "consistent" after. */
    private static String slotState(String slot) throws Exception {
        try (var c = pg.connect("lost");
             var p = c.prepareStatement("SELECT confirmed_flush_lsn IS NOT NULL FROM pg_replication_slots WHERE slot_name = ?")) {
            p.setString(1, slot);
            try (var rs = p.executeQuery()) {
                return !rs.next() ? null : rs.getBoolean(1) ? "consistent" : "creating";
            }
        }
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
