package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.journal.RetryJournal;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;

/**
 * Mirror mode end to end: the application writes through {@link MirroringCollection}, the migration backfills up to the cut, verify
 * proves identity; and the mirror's own edge cases (read-back from the primary, a failed read-back, a key change, an unmappable document).
 */
class MirrorMigrationIT {
    private static TestMongo mongo;
    private static MongoClient client;
    private static LocalDynamoDb dynamo;

    @BeforeAll
    static void start() {
        mongo = new TestMongo(false);
        client = mongo.client();
        dynamo = LocalTables.shared();
    }

    @AfterAll
    static void stop() {
        client.close();
        mongo.close();
    }

    private static DynamoDbEndpoint target() {
        return DynamoDbEndpoint.local("target", dynamo.endpoint());
    }

    private static MongoCollectionSource source(String collection) {
        return new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"));
    }

    private static VerifyResult verify(String collection, String table, Path dir) {
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"),
                target(), 16)) {
            return v.run(table, VerifyOptions.defaults().withSegments(4).withParallelism(4), CopyProgress.NONE, dir.resolve("report.jsonl"),
                    Optional.empty());
        }
    }

    private static Document doc(int i, Instant created) {
        return new Document("_id", i).append("name", "n" + i).append("createdAt", Date.from(created)).append("count", (long) i);
    }

    /** Fails the first {@code n} PutItem/DeleteItem calls, as an unreachable DynamoDB would. */
    static final class FailingWrites implements ExecutionInterceptor {
        final AtomicInteger left;

        FailingWrites(int n) {
            left = new AtomicInteger(n);
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            boolean write = context.request() instanceof PutItemRequest || context.request() instanceof DeleteItemRequest;
            if (write && left.getAndDecrement() > 0) {
                throw new IllegalStateException("injected: DynamoDB unreachable");
            }
        }
    }

    @Test
    void aWriterThroughTheMirrorWhileTheBackfillRunsToTheCutEndsIdentical() throws Exception {
        String collection = "mirror" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-mirror");
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        List<Document> seed = new ArrayList<>();
        Instant old = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < 3000; i++) {
            seed.add(doc(i, old.plusSeconds(i)));
        }
        c.insertMany(seed);
        try (MongoCollectionSource s = source(collection); DynamoDbClient ddb = DynamoDbClients.create(target(), 16)) {
            MongoTargetTable.ensure(ddb, table, s);
        }
        Path dir = Files.createTempDirectory("mirror");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong writes = new AtomicLong();
        try (RetryJournal journal = RetryJournal.open(dir.resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 16);
             MirroringCollection mirror = new MirroringCollection(c, DocumentMapping.byId("dataId"), ddb, table, journal, 100)) {
            Thread writer = new Thread(() -> {
                Random r = new Random(5);
                int next = 3000;
                while (running.get()) {
                    int op = r.nextInt(10);
                    int key = r.nextInt(next);
                    if (op < 3) {
                        mirror.insertOne(doc(next++, Instant.now()));
                    } else if (op < 6) {
                        mirror.updateOne(key, Updates.combine(Updates.set("name", "updated-" + writes.get()), Updates.inc("count", 1L)));
                    } else if (op < 8) {
                        mirror.replaceOne(key, doc(key, old.plusSeconds(key)).append("replaced", true));
                    } else {
                        mirror.deleteOne(key);
                    }
                    writes.incrementAndGet();
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            writer.start();
            Thread.sleep(300);
            Instant cut = Instant.now();
            MigrationStatus status;
            MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), collection,
                    DocumentMapping.byId("dataId"), target(), table, dir.resolve("state"), MongoMigrationSettings.Mode.MIRROR,
                    CutFilter.parse("createdAt<=" + cut), 4, 4, 8, 1000, 100);
            try (MongoMigration m = new MongoMigration(settings, false)) {
                status = m.run(null, CopyProgress.NONE, x -> { });
            } finally {
                // Under a loaded CI machine a mirrored write (MongoDB, the journal, DynamoDB) can take tens of ms: give the writer
                // time to reach its 300 (a count the test needs so that the drain below has real work), not a race with the backfill.
                long deadline = System.currentTimeMillis() + 60_000;
                while (writes.get() < 300 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(50);
                }
                running.set(false);
                writer.join();
            }
            assertEquals("BACKFILLED", status.phase());
            assertTrue(status.backfillItems() >= 2000, "backfilled " + status.backfillItems());
            assertTrue(writes.get() >= 300, "writes " + writes.get());
            while (journal.pending() > 0) {
                mirror.drainNow();
            }
            MirroringCollection.Metrics metrics = mirror.metrics();
            assertEquals(0, metrics.pending());
            assertTrue(metrics.mirrored() > 0);
        }
        VerifyResult v = verify(collection, table, dir);
        assertTrue(v.identical(), v.toString());
        assertEquals(c.countDocuments(), v.sourceItems());
    }

    @Test
    void failedMirrorWritesAreJournaledThenDrainedAndNothingIsLostAcrossARestart() throws Exception {
        String collection = "journal" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-journal");
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        c.insertOne(doc(0, Instant.now()));
        try (MongoCollectionSource s = source(collection); DynamoDbClient ddb = DynamoDbClients.create(target(), 4)) {
            MongoTargetTable.ensure(ddb, table, s);
        }
        Path dir = Files.createTempDirectory("journal");
        FailingWrites failing = new FailingWrites(30);
        try (RetryJournal journal = RetryJournal.open(dir.resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4, failing);
             MirroringCollection mirror = new MirroringCollection(c, DocumentMapping.byId("dataId"), ddb, table, journal, 0)) {
            mirror.replaceOne(0, doc(0, Instant.now()).append("replaced", true));
            for (int i = 1; i <= 40; i++) {
                mirror.insertOne(doc(i, Instant.now()));
            }
            for (int i = 1; i <= 40; i += 2) {
                mirror.updateOne(i, Updates.set("name", "second"));
            }
            mirror.deleteOne(3);
            mirror.deleteMany(List.of(5, 7));
            MirroringCollection.Metrics m = mirror.metrics();
            // 30 failed at once, and every later write of a pending key waited behind them
            assertTrue(m.journaled() >= 30, m.toString());
            assertEquals(m.journaled(), m.pending());
            assertTrue(m.mirrored() > 0, m.toString());
        }
        // the application restarts; the journal on disk still holds every pending write
        try (RetryJournal journal = RetryJournal.open(dir.resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(c, DocumentMapping.byId("dataId"), ddb, table, journal, 50)) {
            long deadline = System.currentTimeMillis() + 20_000;
            while (journal.pending() > 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            MirroringCollection.Metrics m = mirror.metrics();
            assertEquals(0, m.pending(), m.toString());
            assertEquals(m.journaled(), m.drained(), m.toString());
        }
        VerifyResult v = verify(collection, table, dir);
        assertTrue(v.identical(), v.toString());
        assertEquals(38, v.sourceItems());
    }

    @Test
    void aCustomKeyFieldAndASortKeyThroughTheMirrorAndTheBackfill() throws Exception {
        String collection = "sorted" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-sorted");
        DocumentMapping mapping = new DocumentMapping("customer", "pk", Optional.of("orderNo"), Optional.of("sk"), DateFormat.EPOCH);
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        for (int i = 0; i < 500; i++) {
            c.insertOne(new Document("_id", i).append("customer", "c" + (i % 20)).append("orderNo", (long) i).append("at", new Date(1000L * i)));
        }
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), collection, mapping);
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4)) {
            MongoTargetTable.ensure(ddb, table, s);
        }
        Path dir = Files.createTempDirectory("sorted");
        try (RetryJournal journal = RetryJournal.open(dir.resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(c, mapping, ddb, table, journal, 0)) {
            mirror.insertOne(new Document("_id", 1000).append("customer", "c1").append("orderNo", 1000L).append("at", new Date()));
            mirror.updateOne(3, Updates.set("at", new Date(5)));
            mirror.deleteOne(4);
            MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), collection, mapping, target(),
                    table, dir.resolve("state"), MongoMigrationSettings.Mode.MIRROR, CutFilter.parse("_id<=499"), 2, 2, 4, 0, 100);
            try (MongoMigration m = new MongoMigration(settings, false)) {
                assertEquals("BACKFILLED", m.run(null, CopyProgress.NONE, x -> { }).phase());
            }
            assertEquals(0, mirror.metrics().pending());
        }
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), collection, mapping, target(), 8)) {
            VerifyResult r = v.run(table, VerifyOptions.defaults().withSegments(2).withParallelism(2), CopyProgress.NONE, dir.resolve("r.jsonl"),
                    Optional.empty());
            assertTrue(r.identical(), r.toString());
            assertEquals(500, r.targetItems());
        }
    }

    // The mirror's read-back and its edge cases: primary reads, a failed read-back journaled, a changed key, an unmappable document.

    private record Fixture(MongoCollection<Document> collection, String table, Path dir) {
    }

    private static Fixture fixture(DocumentMapping mapping) throws Exception {
        String collection = "mc" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-mirror-edge");
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        c.insertOne(new Document("_id", -1).append("customer", "seed").append("orderNo", 0L));
        try (MongoCollectionSource s = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), collection, mapping);
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4)) {
            MongoTargetTable.ensure(ddb, table, s);
        }
        return new Fixture(c, table, Files.createTempDirectory("mirror-edge"));
    }

    private static Map<String, AttributeValue> get(DynamoDbClient ddb, String table, Map<String, AttributeValue> key) {
        Map<String, AttributeValue> item = ddb.getItem(b -> b.tableName(table).key(key).consistentRead(true)).item();
        return item == null || item.isEmpty() ? null : item;
    }

    @Test
    void readsBackFromThePrimaryWhateverTheApplicationsReadPreference() throws Exception {
        Fixture f = fixture(DocumentMapping.byId("dataId"));
        MongoCollection<Document> secondaryReads = f.collection().withReadPreference(ReadPreference.secondaryPreferred());
        try (RetryJournal journal = RetryJournal.open(f.dir().resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(secondaryReads, DocumentMapping.byId("dataId"), ddb, f.table(), journal, 0)) {
            assertEquals(ReadPreference.primary(), mirror.readBackFrom.getReadPreference());
            mirror.insertOne(new Document("_id", 1).append("v", "a"));
            assertEquals("a", get(ddb, f.table(), Map.of("dataId", AttributeValue.fromN("1"))).get("v").s());
        }
    }

    @Test
    void aFailedReadBackIsJournaledAndDrainedLater() throws Exception {
        Fixture f = fixture(DocumentMapping.byId("dataId"));
        try (RetryJournal journal = RetryJournal.open(f.dir().resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(f.collection(), DocumentMapping.byId("dataId"), ddb, f.table(), journal, 0)) {
            var primary = mirror.readBack;
            AtomicInteger failures = new AtomicInteger(1);
            mirror.readBack = id -> {
                if (failures.getAndDecrement() > 0) {
                    throw new com.mongodb.MongoSocketReadException("injected: connection reset", new com.mongodb.ServerAddress());
                }
                return primary.apply(id);
            };
            mirror.insertOne(new Document("_id", 2).append("v", "b"));
            assertEquals(1, mirror.metrics().pending(), mirror.metrics().toString());
            assertNull(get(ddb, f.table(), Map.of("dataId", AttributeValue.fromN("2"))));
            assertEquals(1, mirror.drainNow());
            assertEquals("b", get(ddb, f.table(), Map.of("dataId", AttributeValue.fromN("2"))).get("v").s());
            assertEquals(0, mirror.metrics().pending());
        }
    }

    @Test
    void anIntentWrittenBeforeMongoDbSurvivesADeathBetweenTheTwoWrites() throws Exception {
        Fixture f = fixture(DocumentMapping.byId("dataId"));
        try (RetryJournal journal = RetryJournal.open(f.dir().resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4)) {
            MirroringCollection dying = new MirroringCollection(f.collection(), DocumentMapping.byId("dataId"), ddb, f.table(), journal, 0);
            // the process dies after MongoDB took the write and before the mirror wrote DynamoDB (an Error: nothing catches it)
            dying.readBack = id -> {
                throw new Error("killed between the two writes");
            };
            assertThrows(Error.class, () -> dying.insertOne(new Document("_id", 3).append("v", "c")));
            dying.close();
            assertNull(get(ddb, f.table(), Map.of("dataId", AttributeValue.fromN("3"))));
            try (MirroringCollection restarted = new MirroringCollection(f.collection(), DocumentMapping.byId("dataId"), ddb, f.table(),
                    journal, 0)) {
                assertEquals(1, restarted.metrics().pending(), "the intent was durable before MongoDB was written");
                assertEquals(1, restarted.drainNow());
                assertEquals("c", get(ddb, f.table(), Map.of("dataId", AttributeValue.fromN("3"))).get("v").s());
                // a write MongoDB refused (duplicate key) changed nothing and leaves nothing owed
                assertThrows(com.mongodb.MongoWriteException.class, () -> restarted.insertOne(new Document("_id", 3).append("v", "d")));
                restarted.insertOne(new Document("_id", 4).append("v", "e"));
                assertEquals(0, restarted.metrics().pending(), restarted.metrics().toString());
            }
        }
    }

    @Test
    void anUpdateThatChangesTheItemKeyDeletesTheOldItem() throws Exception {
        DocumentMapping mapping = new DocumentMapping("customer", "pk", Optional.of("orderNo"), Optional.of("sk"), DateFormat.EPOCH);
        Fixture f = fixture(mapping);
        try (RetryJournal journal = RetryJournal.open(f.dir().resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(f.collection(), mapping, ddb, f.table(), journal, 0)) {
            mirror.insertOne(new Document("_id", 3).append("customer", "alice").append("orderNo", 7L));
            Map<String, AttributeValue> oldKey = Map.of("pk", AttributeValue.fromS("alice"), "sk", AttributeValue.fromN("7"));
            assertEquals("alice", get(ddb, f.table(), oldKey).get("pk").s());
            mirror.updateOne(3, Updates.set("customer", "bob"));
            assertNull(get(ddb, f.table(), oldKey), "the item under the old key stayed behind");
            assertEquals(3, Integer.parseInt(get(ddb, f.table(), Map.of("pk", AttributeValue.fromS("bob"), "sk", AttributeValue.fromN("7")))
                    .get("_id").n()));
            mirror.replaceOne(3, new Document("customer", "bob").append("orderNo", 8L));
            assertNull(get(ddb, f.table(), Map.of("pk", AttributeValue.fromS("bob"), "sk", AttributeValue.fromN("7"))));
            assertTrue(get(ddb, f.table(), Map.of("pk", AttributeValue.fromS("bob"), "sk", AttributeValue.fromN("8"))) != null);
        }
    }

    @Test
    void anUnmappableDocumentLosesItsStaleImageAndIsDeadLettered() throws Exception {
        Fixture f = fixture(DocumentMapping.byId("dataId"));
        FileDeadLetterSink dead = new FileDeadLetterSink(f.dir().resolve("dead.jsonl"));
        try (RetryJournal journal = RetryJournal.open(f.dir().resolve("journal.db"));
             DynamoDbClient ddb = DynamoDbClients.create(target(), 4);
             MirroringCollection mirror = new MirroringCollection(f.collection(), DocumentMapping.byId("dataId"), ddb, f.table(), journal, 0, dead)) {
            mirror.insertOne(new Document("_id", 4).append("v", "mappable"));
            Map<String, AttributeValue> key = Map.of("dataId", AttributeValue.fromN("4"));
            assertEquals("mappable", get(ddb, f.table(), key).get("v").s());
            mirror.updateOne(4, Updates.set("v", new BsonRegularExpression("^a")));
            assertNull(get(ddb, f.table(), key), "the stale image stayed in the table");
            assertEquals(1, dead.count());
            assertTrue(Files.readString(dead.file()).contains("REGULAR_EXPRESSION"), Files.readString(dead.file()));
            assertEquals(1, mirror.metrics().unmappable());
        }
    }
}
