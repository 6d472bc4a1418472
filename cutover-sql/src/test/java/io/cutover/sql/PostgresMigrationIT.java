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
}
