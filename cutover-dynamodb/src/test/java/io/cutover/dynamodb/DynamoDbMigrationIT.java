package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** The live migration's phase machine against events an operator meets: on a fresh DynamoDB Local child process per test. */
class DynamoDbMigrationIT {
    @TempDir
    Path state;
    LocalDynamoDb db;
    DynamoDbClient client;
    CopySettings settings;
    final String src = "mig-source";
    final String dst = "mig-target";

    @BeforeEach
    void freshServer() {
        db = LocalDynamoDb.startChildProcess();
        client = LocalTables.client(db);
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
        LocalTables.load(client, src, 300, new SampleItems(7, 50, false)::item);
        settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(src, dst).stateDir(state).build();
    }

    @AfterEach
    void stop() {
        client.close();
        db.close();
    }

    private void put(int i) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("pk", AttributeValue.fromS("live#" + i));
        item.put("sk", AttributeValue.fromS("s"));
        item.put("v", AttributeValue.fromN(Integer.toString(i)));
        client.putItem(b -> b.tableName(src).item(item));
    }

    @Test
    void restartAfterPrepareDiscardsTheStateAndStartsOver() {
        try (DynamoDbMigration first = new DynamoDbMigration(settings, src, dst, false)) {
            assertEquals("CATCH_UP", first.run("backfill", CopyProgress.NONE, s -> { }).phase());
        }
        assertTrue(Files.exists(state.resolve("schema").resolve("lock")), "PREPARE's schema copy leaves a nested lock file");
        try (DynamoDbMigration again = new DynamoDbMigration(settings, src, dst, false, true)) {
            MigrationStatus s = again.run("backfill", CopyProgress.NONE, x -> { });
            assertEquals("CATCH_UP", s.phase());
            assertEquals(300, s.backfillItems(), "a fresh start counts the backfill once, not on top of the first run");
        }
        assertTrue(Files.exists(state.resolve("lock")), "the directory's own lock stays");
    }

    @Test
    void aStreamDisabledAndReEnabledMidMigrationStopsWithAStreamGap() throws Exception {
        String oldArn = client.describeTable(b -> b.tableName(src)).table().latestStreamArn();
        DynamoDbMigration.LiveOptions fastChecks = DynamoDbMigration.LiveOptions.defaults()
                .withCapture(DynamoDbStreamCapture.Settings.defaults().withStreamCheckMillis(500));
        AtomicReference<MigrationStatus> last = new AtomicReference<>();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false, false, fastChecks)) {
            Future<MigrationStatus> running = pool.submit(() -> migration.run(null, CopyProgress.NONE, last::set));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while ((last.get() == null || !last.get().phase().equals("IN_SYNC")) && System.nanoTime() < deadline) {
                assertTrue(!running.isDone(), "the migration ended early");
                Thread.sleep(100);
            }
            assertEquals("IN_SYNC", last.get().phase());
            for (int i = 0; i < 20; i++) {
                put(i);
            }
            client.updateTable(b -> b.tableName(src).streamSpecification(s -> s.streamEnabled(false)));
            client.updateTable(b -> b.tableName(src).streamSpecification(s -> s.streamEnabled(true)
                    .streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
            assertNotEquals(oldArn, client.describeTable(b -> b.tableName(src)).table().latestStreamArn(), "a new stream replaced the old");
            for (int i = 20; i < 40; i++) {
                put(i); // into the new stream, which the migration does not read
            }
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(30, TimeUnit.SECONDS),
                    "the migration must stop, not report IN_SYNC while changes go to a stream it does not read");
            CutoverException gap = (CutoverException) e.getCause();
            assertEquals(ErrorCode.STREAM_GAP, gap.code(), gap.getMessage());
            assertTrue(gap.getMessage().contains("--restart"), gap.getMessage());
        } finally {
            pool.shutdownNow();
        }
        try (DynamoDbMigration resumed = new DynamoDbMigration(settings, src, dst, false, false, fastChecks)) {
            CutoverException e = assertThrows(CutoverException.class, () -> resumed.run("in-sync", CopyProgress.NONE, s -> { }));
            assertEquals(ErrorCode.STREAM_GAP, e.code(), "a resume sees the replaced stream too: " + e.getMessage());
        }
    }

    @Test
    void enableStreamWaitsForTheNewStreamAndRecordsItsShardsBeforeTheBackfill() {
        String plain = "no-stream";
        LocalTables.create(client, SampleItems.plainTable(plain));
        LocalTables.load(client, plain, 100, new SampleItems(8, 50, false)::item);
        CopySettings s = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(plain, "no-stream-copy").stateDir(state.resolve("enable")).build();
        try (DynamoDbMigration migration = new DynamoDbMigration(s, plain, "no-stream-copy", true)) {
            MigrationStatus status = migration.run("backfill", CopyProgress.NONE, x -> { });
            assertEquals(100, status.backfillItems());
            assertTrue(!status.positions().isEmpty(), "the new stream's shards were recorded: " + status);
            assertEquals(client.describeTable(b -> b.tableName(plain)).table().latestStreamArn(), status.streamArn());
        }
    }
}
