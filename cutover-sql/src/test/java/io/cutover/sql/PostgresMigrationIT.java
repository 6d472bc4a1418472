package io.cutover.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
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

/** PostgreSQL to DynamoDB with the logging example's key design, end to end, with a writer running. */
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
}
