package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The race that decision 0015 closes, made deterministic: the backfill read a page, then the
 * application changed and deleted documents of it through the mirror, then the backfill writes its
 * stale images. The plain batch writer leaves them stale; the read-back writer settles them.
 */
class ReadBackWriterIT {
    @Test
    void aStaleBackfilledImageNeverOutlivesAMirroredUpdateOrDelete() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
        String collection = "race" + System.nanoTime();
        try (TestMongo mongo = new TestMongo(false); MongoClient client = mongo.client();
             MongoCollectionSource source = new MongoCollectionSource(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"));
             DynamoDbClient ddb = DynamoDbClients.create(target, 8)) {
            MongoCollection<BsonDocument> c = client.getDatabase("shop").getCollection(collection, BsonDocument.class);
            for (int i = 1; i <= 3; i++) {
                c.insertOne(new BsonDocument("_id", new BsonInt32(i)).append("v", new BsonString("old")));
            }
            DocumentMapper mapper = source.mapper();
            // the backfill's page, read now
            List<Map<String, AttributeValue>> page = c.find().into(new java.util.ArrayList<>()).stream().map(mapper::item).toList();
            String plainTable = LocalTables.uniqueName("race-plain");
            String settledTable = LocalTables.uniqueName("race-settled");
            MongoTargetTable.ensure(ddb, plainTable, source);
            MongoTargetTable.ensure(ddb, settledTable, source);
            // the application, through the mirror, changes 1 and deletes 2 (MongoDB, then both tables)
            c.updateOne(new BsonDocument("_id", new BsonInt32(1)), new BsonDocument("$set", new BsonDocument("v", new BsonString("new"))));
            c.deleteOne(new BsonDocument("_id", new BsonInt32(2)));
            for (String t : List.of(plainTable, settledTable)) {
                ddb.putItem(b -> b.tableName(t).item(mapper.item(c.find(new BsonDocument("_id", new BsonInt32(1))).first())));
            }
            // now the backfill's write of the stale page lands
            try (FileDeadLetterSink dead = new FileDeadLetterSink(Files.createTempDirectory("race").resolve("dead.jsonl"));
                 DynamoDbBatchWriter plain = new DynamoDbBatchWriter(ddb, plainTable, 2, Throttle.unlimited(), RetryPolicy.defaults(),
                         new DynamoDbErrorClassifier(target), dead);
                 DynamoDbBatchWriter inner = new DynamoDbBatchWriter(ddb, settledTable, 2, Throttle.unlimited(), RetryPolicy.defaults(),
                         new DynamoDbErrorClassifier(target), dead)) {
                plain.write(page).join();
                ReadBackWriter settled = new ReadBackWriter(inner, source);
                settled.write(page).join();
                assertEquals(2, settled.rewritten());
            }
            assertEquals("old", get(ddb, plainTable, 1).get("v").s(), "the plain writer should show the race");
            assertTrue(get(ddb, plainTable, 2) != null, "the plain writer should bring the deleted document back");
            assertEquals("new", get(ddb, settledTable, 1).get("v").s());
            assertEquals(null, get(ddb, settledTable, 2));
            assertEquals("old", get(ddb, settledTable, 3).get("v").s());
        }
    }

    private static Map<String, AttributeValue> get(DynamoDbClient ddb, String table, int id) {
        Map<String, AttributeValue> item = ddb.getItem(b -> b.tableName(table).key(Map.of("dataId", AttributeValue.fromN(Integer.toString(id))))
                .consistentRead(true)).item();
        return item == null || item.isEmpty() ? null : item;
    }
}
