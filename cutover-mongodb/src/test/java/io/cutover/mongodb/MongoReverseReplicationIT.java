package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import io.cutover.client.DynamoDbStore;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Both directions live at once between a MongoDB collection and a DynamoDB table: the forward change-stream migration
 * under the version rule, and the reverse (the table's stream applied to the collection through {@link MongoStore}).
 * Writes made on the DynamoDB side reach MongoDB; when the forward direction reads them back from the change stream it
 * refuses them (same version) instead of writing them again, so nothing loops. An item with no document form is
 * dead-lettered and counted; a key changed on both sides within the lag window is a conflict, counted and listed, and
 * the newer version wins on both.
 */
class MongoReverseReplicationIT {
    private static final VersionAttribute V = VersionAttribute.DEFAULT;

    @TempDir
    Path dir;

    @Test
    void appliesTheTableStreamToDocumentsWithoutALoop() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (TestMongo mongo = new TestMongo(true); MongoClient client = mongo.client();
             LocalDynamoDb db = LocalDynamoDb.startChildProcess(); DynamoDbClient ddb = LocalTables.client(db)) {
            for (int i = 0; i < 20; i++) {
                client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", "seed" + i).append("value", "s" + i));
            }
            DocumentMapping mapping = DocumentMapping.byId("id");
            MongoStore mongoSide = new MongoStore(client.getDatabase("shop").getCollection("orders"), mapping);
            AtomicBoolean holdForward = new AtomicBoolean();
            AtomicReference<MigrationStatus> fwd = new AtomicReference<>();
            AtomicReference<MigrationStatus> rev = new AtomicReference<>();
            Path reverseDir = dir.resolve("reverse");
            try (MongoMigration forward = new MongoMigration(new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), "orders",
                    mapping, DynamoDbEndpoint.local("target", db.endpoint()), "orders-v2", dir.resolve("forward"),
                    MongoMigrationSettings.Mode.CHANGE_STREAM, null, 1, 2, 4, 0, 200), false);
                 MongoReverseReplication reverse = new MongoReverseReplication(new MongoReverseReplication.Settings(
                         DynamoDbEndpoint.local("source", db.endpoint()), "orders-v2", MongoSourceUri.parse(mongo.uri("shop")), "orders",
                         mapping, reverseDir, V, true, 4))) {
                forward.versionRule(Optional.of(V));
                forward.applyWhen(() -> !holdForward.get());
                Future<MigrationStatus> f = pool.submit(() -> forward.run(null, CopyProgress.NONE, fwd::set));
                waitFor(() -> fwd.get() != null && fwd.get().phase().equals("IN_SYNC"), f);
                Future<MigrationStatus> r = pool.submit(() -> reverse.run(null, rev::set));
                waitFor(() -> rev.get() != null && rev.get().phase().equals("IN_SYNC"), r);
                DynamoDbStore dynamoSide = DynamoDbStore.of(ddb, "orders-v2");

                // What an application at TARGET_ONLY writes: versioned puts, a tombstone, an increment.
                HybridClock app = new HybridClock("app-1");
                for (int i = 0; i < 30; i++) {
                    dynamoSide.putIfNewer(V.stamp(item("k" + i, "v" + i), app.next(3)), V);
                }
                dynamoSide.putIfNewer(V.tombstoneOf(key("seed0"), app.next(3)), V);
                dynamoSide.updateIfNewer(key("counter"), new io.cutover.client.Store.Update("ADD n :one", Map.of(),
                        Map.of(":one", AttributeValue.fromN("1"))), app.next(3), V);
                waitFor(() -> sameOnBoth(mongoSide, dynamoSide, 32), r);
                assertTrue(V.isTombstone(mongoSide.get(key("seed0")).orElseThrow()), "the tombstone reached MongoDB as a tombstone");
                assertEquals("1", mongoSide.get(key("counter")).orElseThrow().get("n").n());

                // The forward direction reads those 32 writes back from the change stream and refuses every one.
                waitFor(() -> forward.olderRefused() >= 32 && fwd.get().backlog() == 0, f);
                assertEquals(0, forward.landed(), "no write of the reverse was written to DynamoDB again");
                Thread.sleep(2000);
                assertEquals(32, rev.get().captured(), "nothing came back through the table's stream: no loop");
                assertEquals(0, reverse.olderRefused(), "no echo reached the reverse");

                // An item with no document form (a string set) is dead-lettered and counted, not written changed.
                ddb.putItem(b -> b.tableName("orders-v2").item(Map.of("id", AttributeValue.fromS("set"),
                        "tags", AttributeValue.fromSs(List.of("a", "b")))));
                waitFor(() -> rev.get().deadLettered() == 1, r);
                assertEquals(Optional.empty(), mongoSide.get(key("set")));
                assertTrue(Files.readString(reverseDir.resolve("dead-letters.jsonl")).contains("set"));

                // A conflict: the newer version on MongoDB (the forward held), an older one by another writer on DynamoDB.
                Version older = new HybridClock("writer-x").next(3);
                Thread.sleep(5);
                Version newer = new HybridClock("writer-y").next(3);
                holdForward.set(true);
                Thread.sleep(1200); // the round in flight ends
                mongoSide.putIfNewer(V.stamp(item("conflict", "newer"), newer), V);
                dynamoSide.putIfNewer(V.stamp(item("conflict", "older"), older), V);
                waitFor(() -> rev.get().conflicts() == 1, r);
                holdForward.set(false);
                waitFor(() -> value(dynamoSide, "conflict").equals(Optional.of("newer")), f);
                assertEquals(Optional.of("newer"), value(mongoSide, "conflict"));
                List<String> conflicts = Files.readAllLines(reverseDir.resolve(io.cutover.dynamodb.DynamoDbMigration.CONFLICTS_FILE));
                assertEquals(1, conflicts.size(), conflicts.toString());
                assertTrue(conflicts.get(0).contains(older.encoded()) && conflicts.get(0).contains(newer.encoded()), conflicts.get(0));
                System.out.printf("MongoReverseReplicationIT: reverse captured %d, refused %d, conflicts %d, dead-lettered %d;"
                        + " forward refused %d, landed %d%n", rev.get().captured(), reverse.olderRefused(), rev.get().conflicts(),
                        rev.get().deadLettered(), forward.olderRefused(), forward.landed());
                forward.requestStop();
                reverse.requestStop();
                f.get(30, TimeUnit.SECONDS);
                r.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean sameOnBoth(MongoStore mongoSide, DynamoDbStore dynamoSide, int keys) {
        for (int i = 0; i < 30; i++) {
            if (!value(mongoSide, "k" + i).equals(Optional.of("v" + i))) {
                return false;
            }
        }
        return mongoSide.get(key("seed0")).map(V::isTombstone).orElse(false) && mongoSide.get(key("counter")).isPresent();
    }

    private static Optional<String> value(io.cutover.client.Store store, String id) {
        return store.get(key(id)).flatMap(V::visible).map(i -> i.get("value").s());
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        return Map.of("id", AttributeValue.fromS(id), "value", AttributeValue.fromS(value));
    }

    private static void waitFor(BooleanSupplier condition, Future<?> running) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (running.isDone()) {
                running.get();
                throw new AssertionError("the migration ended");
            }
            assertTrue(System.nanoTime() < deadline, "not reached within 60 s");
            Thread.sleep(100);
        }
    }
}
