package io.cutover.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;

/** A live migration with a random writer running the whole time ends with identical tables. */
class LiveMigrationIT {
    @TempDir
    Path state;

    /** Puts, repeated updates of the same keys, deletes, and re-inserts of deleted keys, on 2,000 keys. */
    static final class RandomWriter implements Runnable {
        final DynamoDbClient client;
        final String table;
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong writes = new AtomicLong();
        final Random random = new Random(99);

        RandomWriter(DynamoDbClient client, String table) {
            this.client = client;
            this.table = table;
        }

        @Override
        public void run() {
            while (running.get()) {
                int k = random.nextInt(2_000);
                Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("customer#" + (k % 4999)),
                        "sk", AttributeValue.fromS(String.format("order#%012d", k)));
                if (random.nextInt(5) == 0) {
                    client.deleteItem(b -> b.tableName(table).key(key));
                } else {
                    Map<String, AttributeValue> item = new HashMap<>(key);
                    item.put("version", AttributeValue.fromN(Long.toString(writes.get())));
                    item.put("tags", AttributeValue.fromSs(java.util.List.of("live", "w" + random.nextInt(3))));
                    client.putItem(b -> b.tableName(table).item(item));
                }
                writes.incrementAndGet();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    @Test
    void aRandomWriterThroughTheWholeMigrationEndsIdentical() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess()) {
            DynamoDbClient client = LocalTables.client(db);
            String src = "live-source";
            String dst = "live-target";
            LocalTables.create(client, SampleItems.plainTable(src).toBuilder()
                    .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)).build());
            LocalTables.load(client, src, 5_000, new SampleItems(31, 100, false)::item);
            RandomWriter writer = new RandomWriter(client, src);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            Future<?> writing = pool.submit(writer);

            CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                    DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(state).scanPageSize(200).build();
            AtomicReference<MigrationStatus> last = new AtomicReference<>();
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false)) {
                Future<MigrationStatus> running = pool.submit(() -> migration.run(null, CopyProgress.NONE, last::set));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while ((last.get() == null || !last.get().phase().equals("IN_SYNC")) && System.nanoTime() < deadline) {
                    assertTrue(!running.isDone(), () -> "migration ended early: " + result(running));
                    Thread.sleep(100);
                }
                assertEquals("IN_SYNC", last.get().phase(), "reached IN_SYNC with the writer running");
                Thread.sleep(2_000);
                writer.running.set(false);
                writing.get();
                // Drained: nothing left to apply for a while after the writer stopped.
                long quietSince = System.nanoTime();
                long seen = -1;
                while (System.nanoTime() - quietSince < TimeUnit.SECONDS.toNanos(2) && System.nanoTime() < deadline) {
                    MigrationStatus s = last.get();
                    if (s.backlog() != 0 || s.captured() != seen) {
                        seen = s.captured();
                        quietSince = System.nanoTime();
                    }
                    Thread.sleep(200);
                }
                migration.requestStop();
                MigrationStatus end = running.get(60, TimeUnit.SECONDS);
                assertEquals(0, end.backlog());
                assertEquals(end.captured(), end.applied() + end.superseded() + end.deadLettered(),
                        "every change is applied, superseded or dead-lettered: " + end);
                assertTrue(end.captured() > 100, "the writer's changes were captured: " + end);
            } finally {
                pool.shutdownNow();
            }
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), cmp.toString());
            assertTrue(writer.writes.get() > 100, "the writer kept writing: " + writer.writes.get());
        }
    }

    private static String result(Future<MigrationStatus> f) {
        try {
            return String.valueOf(f.get());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
