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
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
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

    @Test
    void changesToItemsAlreadyCopiedDuringTheBackfillWinAndDeletesStayDeleted() throws Exception {
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess()) {
            DynamoDbClient client = LocalTables.client(db);
            String src = "race-source";
            String dst = "race-target";
            LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(src)));
            LocalTables.load(client, src, 2_000, new SampleItems(32, 0, false)::item);
            AtomicReference<Map<String, Map<String, AttributeValue>>> raced = new AtomicReference<>();
            AtomicBoolean once = new AtomicBoolean();
            CopyProgress race = new CopyProgress() {
                @Override
                public void acknowledged(String unitId, long items, long bytes) {
                    if (items > 0 && once.compareAndSet(false, true)) {
                        raced.set(raceOnCopiedItems(client, src, dst));
                    }
                }
            };
            CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()),
                    DynamoDbEndpoint.local("target", db.endpoint())).table(src, dst).stateDir(state).segments(4).parallelism(2)
                    .scanPageSize(100).build();
            AtomicReference<MigrationStatus> last = new AtomicReference<>();
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false)) {
                MigrationStatus end = migration.run("in-sync", race, last::set);
                assertEquals("IN_SYNC", end.phase());
                // Let the last changes land, then stop.
                Thread.sleep(1_500);
            }
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, src, dst, false)) {
                migration.run("in-sync", CopyProgress.NONE, s -> { });
            }
            Map<String, Map<String, AttributeValue>> r = raced.get();
            assertTrue(r != null, "the race ran during the backfill");
            Map<String, AttributeValue> deleted = client.getItem(b -> b.tableName(dst).key(r.get("deleted")).consistentRead(true)).item();
            assertTrue(deleted == null || deleted.isEmpty(), "a deleted item came back: " + deleted);
            assertEquals("updated", client.getItem(b -> b.tableName(dst).key(keyOf(r.get("updated"))).consistentRead(true)).item().get("status").s());
            assertEquals("reinserted", client.getItem(b -> b.tableName(dst).key(keyOf(r.get("reinserted"))).consistentRead(true)).item().get("status").s());
            assertEquals("inserted", client.getItem(b -> b.tableName(dst).key(keyOf(r.get("inserted"))).consistentRead(true)).item().get("status").s());
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), cmp.toString());
        }
    }

    private static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        return Map.of("pk", item.get("pk"), "sk", item.get("sk"));
    }

    /** Takes three items the copy already wrote to the target and changes them in the source, and inserts a new one. */
    private static Map<String, Map<String, AttributeValue>> raceOnCopiedItems(DynamoDbClient client, String src, String dst) {
        var copied = client.scan(b -> b.tableName(dst).limit(3).consistentRead(true)).items();
        assertEquals(3, copied.size(), "the first acknowledged page is in the target");
        Map<String, Map<String, AttributeValue>> out = new HashMap<>();
        client.deleteItem(b -> b.tableName(src).key(keyOf(copied.get(0))));
        out.put("deleted", keyOf(copied.get(0)));
        Map<String, AttributeValue> updated = new HashMap<>(copied.get(1));
        updated.put("status", AttributeValue.fromS("updated"));
        client.putItem(b -> b.tableName(src).item(updated));
        out.put("updated", updated);
        client.deleteItem(b -> b.tableName(src).key(keyOf(copied.get(2))));
        Map<String, AttributeValue> again = new HashMap<>(copied.get(2));
        again.put("status", AttributeValue.fromS("reinserted"));
        client.putItem(b -> b.tableName(src).item(again));
        out.put("reinserted", again);
        Map<String, AttributeValue> fresh = Map.of("pk", AttributeValue.fromS("new"), "sk", AttributeValue.fromS("new"),
                "status", AttributeValue.fromS("inserted"));
        client.putItem(b -> b.tableName(src).item(fresh));
        out.put("inserted", fresh);
        return out;
    }

    private static String result(Future<MigrationStatus> f) {
        try {
            return String.valueOf(f.get());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
