package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.ReadPreference;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.journal.RetryJournal;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The mirror's read-back and its edge cases: primary reads, a failed read-back journaled, a changed key, an unmappable document. */
class MirroringCollectionIT {
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
