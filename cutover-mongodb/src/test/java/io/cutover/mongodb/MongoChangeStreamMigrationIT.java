package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Change-stream mode end to end, against mongo-java-server (oplog on) and DynamoDB Local, both started here. */
class MongoChangeStreamMigrationIT {
    private static TestMongo mongo;
    private static MongoClient client;
    private static LocalDynamoDb dynamo;
    private static DynamoDbClient ddb;

    @BeforeAll
    static void start() {
        mongo = new TestMongo(true);
        client = mongo.client();
        dynamo = LocalTables.shared();
        ddb = LocalTables.client(dynamo);
    }

    @AfterAll
    static void stop() {
        client.close();
        mongo.close();
    }

    private MongoMigrationSettings settings(String collection, String table, Path state, int segments, double maxWriteRate) {
        return new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"),
                DynamoDbEndpoint.local("target", dynamo.endpoint()), table, state, MongoMigrationSettings.Mode.CHANGE_STREAM, null, segments,
                4, 8, maxWriteRate, 200);
    }

    private VerifyResult verify(String collection, String table, Path dir) {
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"),
                DynamoDbEndpoint.local("target", dynamo.endpoint()), 16)) {
            return v.run(table, VerifyOptions.defaults().withSegments(4).withParallelism(4), CopyProgress.NONE, dir.resolve("report.jsonl"),
                    Optional.empty());
        }
    }

    static Document document(int i, Random r) {
        return new Document("_id", i).append("name", "doc-" + i).append("n", (long) r.nextInt(1000)).append("price", new Decimal128(new java.math.BigDecimal("19.99")))
                .append("at", new Date(1_700_000_000_000L + i)).append("tags", List.of("a", "b")).append("nested", new Document("x", i));
    }

    /** Inserts, updates ($set), replaces and deletes random keys until stopped; inserts use keys beyond the seeded ones. */
    static final class Writer implements Runnable {
        private final MongoCollection<Document> c;
        private final int seeded;
        private final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong writes = new AtomicLong();
        private int next;

        Writer(MongoCollection<Document> c, int seeded) {
            this.c = c;
            this.seeded = seeded;
            this.next = seeded;
        }

        @Override
        public void run() {
            Random r = new Random(11);
            while (running.get()) {
                int op = r.nextInt(10);
                int key = r.nextInt(next);
                if (op < 3) {
                    c.insertOne(document(next++, r));
                } else if (op < 6) {
                    c.updateOne(Filters.eq("_id", key), Updates.combine(Updates.set("n", (long) writes.get()), Updates.set("changed", true)));
                } else if (op < 8) {
                    c.replaceOne(Filters.eq("_id", key), document(key, r).append("replaced", writes.get()));
                } else {
                    c.deleteOne(Filters.eq("_id", key));
                }
                writes.incrementAndGet();
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() {
            running.set(false);
        }
    }

    @Test
    void aWriterInsertingUpdatingReplacingAndDeletingThroughTheWholeMigrationEndsIdentical() throws Exception {
        String collection = "orders" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-cs");
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        Random r = new Random(1);
        List<Document> seed = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            seed.add(document(i, r));
        }
        c.insertMany(seed);
        Path state = Files.createTempDirectory("mongo-cs");
        Writer writer = new Writer(c, 4000);
        Thread writing = new Thread(writer);
        writing.start();
        MigrationStatus inSync;
        try (MongoMigration m = new MongoMigration(settings(collection, table, state, 4, 3000), false)) {
            inSync = m.run("in-sync", CopyProgress.NONE, s -> { });
        } finally {
            long deadline = System.currentTimeMillis() + 10_000;
            while (writer.writes.get() < 300 && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            writer.stop();
            writing.join();
        }
        assertEquals("IN_SYNC", inSync.phase());
        assertTrue(inSync.backfillItems() > 0);
        assertTrue(writer.writes.get() > 200, "the writer made " + writer.writes.get() + " changes");
        MigrationStatus drained;
        try (MongoMigration m = new MongoMigration(settings(collection, table, state, 4, 0), false)) {
            drained = m.run("drained", CopyProgress.NONE, s -> { });
        }
        assertEquals(0, drained.backlog());
        // every captured change was applied or superseded (writes to documents already deleted produce no event, so the
        // writer's count is an upper bound, not a target)
        assertTrue(drained.captured() > 0 && drained.captured() <= writer.writes.get(), drained.captured() + " of " + writer.writes.get());
        assertEquals(drained.captured(), drained.applied() + drained.superseded() + drained.deadLettered(), drained.toString());
        VerifyResult v = verify(collection, table, state);
        assertTrue(v.identical(), v.toString());
        assertEquals(c.countDocuments(), v.targetItems());
    }

    @Test
    void resumesFromTheSavedResumeTokenAndNeverResurrectsADelete() throws Exception {
        String collection = "resume" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-resume");
        MongoCollection<Document> c = client.getDatabase("shop").getCollection(collection);
        Random r = new Random(2);
        for (int i = 0; i < 300; i++) {
            c.insertOne(document(i, r));
        }
        Path state = Files.createTempDirectory("mongo-resume");
        try (MongoMigration m = new MongoMigration(settings(collection, table, state, 2, 0), false)) {
            assertEquals("CATCH_UP", m.run("backfill", CopyProgress.NONE, s -> { }).phase());
        }
        // while no migration runs: these changes must come from the stream, resumed from the saved token
        c.deleteOne(Filters.eq("_id", 5));
        c.updateOne(Filters.eq("_id", 6), Updates.set("name", "renamed"));
        c.insertOne(document(1000, r));
        c.replaceOne(Filters.eq("_id", 7), new Document("_id", 7).append("only", "this"));
        MigrationStatus s;
        try (MongoMigration m = new MongoMigration(settings(collection, table, state, 2, 0), false)) {
            s = m.run("drained", CopyProgress.NONE, x -> { });
        }
        assertEquals("IN_SYNC", s.phase());
        Map<String, AttributeValue> deleted = ddb.getItem(b -> b.tableName(table).key(Map.of("dataId", AttributeValue.fromN("5")))).item();
        assertTrue(deleted == null || deleted.isEmpty(), "deleted document came back: " + deleted);
        assertEquals("renamed", ddb.getItem(b -> b.tableName(table).key(Map.of("dataId", AttributeValue.fromN("6")))).item().get("name").s());
        assertEquals(Map.of("dataId", AttributeValue.fromN("7"), "only", AttributeValue.fromS("this")),
                ddb.getItem(b -> b.tableName(table).key(Map.of("dataId", AttributeValue.fromN("7")))).item());
        assertTrue(verify(collection, table, state).identical());
    }

    @Test
    void aServerWithoutChangeStreamsIsRefusedPointingAtTheMirror() throws Exception {
        try (TestMongo plain = new TestMongo(false); MongoClient pc = plain.client()) {
            pc.getDatabase("shop").getCollection("x").insertOne(new Document("_id", 1));
            MongoMigrationSettings s = new MongoMigrationSettings(MongoSourceUri.parse(plain.uri("shop")), "x", DocumentMapping.byId("dataId"),
                    DynamoDbEndpoint.local("target", dynamo.endpoint()), LocalTables.uniqueName("nostream"), Files.createTempDirectory("ns"),
                    MongoMigrationSettings.Mode.CHANGE_STREAM, null, 1, 1, 1, 0, 100);
            try (MongoMigration m = new MongoMigration(s, false)) {
                CutoverException e = assertThrows(CutoverException.class, () -> m.run("backfill", CopyProgress.NONE, x -> { }));
                assertEquals(ErrorCode.UNSUPPORTED, e.code());
                assertTrue(e.getMessage().contains("--mode mirror"), e.getMessage());
            }
        }
    }

    @Test
    void aMissingCollectionIsNamedWithTheFlag() throws Exception {
        MongoMigrationSettings s = settings("nope", LocalTables.uniqueName("nope"), Files.createTempDirectory("nope"), 1, 0);
        try (MongoMigration m = new MongoMigration(s, false)) {
            CutoverException e = assertThrows(CutoverException.class, () -> m.run("backfill", CopyProgress.NONE, x -> { }));
            assertEquals(ErrorCode.TABLE_NOT_FOUND, e.code());
            assertTrue(e.getMessage().contains("--source-collection"), e.getMessage());
        }
    }
}
