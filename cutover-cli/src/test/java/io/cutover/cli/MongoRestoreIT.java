package io.cutover.cli;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalTables;
import io.cutover.mongodb.DocumentMapping;
import io.cutover.mongodb.MongoMigration;
import io.cutover.mongodb.MongoMigrationSettings;
import io.cutover.mongodb.MongoSourceUri;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Point-in-time restore from a MongoDB collection (mongo-java-server with its oplog, so change streams), migrated with
 * {@code --key-attribute dataId}: inserts, {@code $set} updates and whole-document replaces, deletes, re-inserts
 * ({@link SourceRestoreScenario}).
 */
class MongoRestoreIT extends SourceRestoreScenario {
    @TempDir
    Path dir;
    EmbeddedMongo mongo;
    MongoClient mongoClient;
    MongoCollection<Document> orders;
    volatile MongoMigration migration;
    boolean replace;

    @Override
    void write(String key, int v, boolean present) {
        // Typed fields, for restore --into-source to bring back: bytes, an embedded document with an array, a fraction.
        Document sub = new Document("v", v).append("tags", List.of("a", "b")).append("ok", true);
        if (!present) {
            orders.insertOne(new Document("_id", key).append("v", v).append("note", "n" + v).append("bin", new org.bson.types.Binary(
                    new byte[] {(byte) v, 0, (byte) 0xff})).append("sub", sub).append("amount", new org.bson.types.Decimal128(
                    new java.math.BigDecimal(v + ".25"))));
        } else if (replace = !replace) {
            orders.replaceOne(Filters.eq("_id", key), new Document("_id", key).append("v", v).append("note", "replaced").append("sub", sub));
        } else {
            orders.updateOne(Filters.eq("_id", key), Updates.set("v", v));
        }
    }

    @Override
    void remove(String key) {
        orders.deleteOne(Filters.eq("_id", key));
    }

    @Override
    MigrationStatus migrate(Consumer<MigrationStatus> onStatus) {
        MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), "orders",
                DocumentMapping.byId("dataId"), DynamoDbEndpoint.local("target", dynamo.endpoint()), LocalTables.uniqueName("mongo-restore"),
                state, MongoMigrationSettings.Mode.CHANGE_STREAM, null, 2, 2, 4, 0, 1000);
        try (MongoMigration m = new MongoMigration(settings, false)) {
            migration = m;
            return m.run(null, CopyProgress.NONE, onStatus);
        }
    }

    @Override
    void stopMigration() {
        MongoMigration m = migration;
        if (m != null) {
            m.requestStop();
        }
    }

    @Override
    List<String> sourceFlags() {
        return List.of("--source", mongo.uri("shop"), "--source-collection", "orders", "--key-attribute", "dataId", "--segments", "2");
    }

    @Override
    String keyOf(Map<String, AttributeValue> item) {
        return item.get("dataId").s();
    }

    @Override
    List<String> intoSourceFlags() {
        return List.of("--into-source", mongo.uri("shop")); // --key-attribute: the archive's, dataId
    }

    @Override
    void createIntoSourceTarget(String name) {
        // the restore creates the collection
    }

    @Override
    Map<String, Integer> intoSourceState(String name) {
        Map<String, Integer> out = new java.util.TreeMap<>();
        for (Document d : mongoClient.getDatabase("shop").getCollection(name).find()) {
            out.put(d.getString("_id"), ((Number) d.get("v")).intValue());
        }
        return out;
    }

    /**
     * Document for document, the restored collection reads as the source through the forward mapping (the items are
     * equal), and the BSON types the inverse mapping promises are there: binary, embedded document, array, Decimal128 for a
     * fraction, a 64-bit integer for an integral number (0140: an Int32 comes back as an Int64 of the same value).
     */
    @Override
    void assertSameAsSource(String name) {
        io.cutover.mongodb.DocumentMapper mapper = new io.cutover.mongodb.DocumentMapper(DocumentMapping.byId("dataId"));
        var source = mongoClient.getDatabase("shop").getCollection("orders", org.bson.BsonDocument.class);
        var restored = mongoClient.getDatabase("shop").getCollection(name, org.bson.BsonDocument.class);
        Map<String, Map<String, AttributeValue>> expected = new java.util.TreeMap<>();
        source.find().forEach(d -> expected.put(d.getString("_id").getValue(), mapper.item(d)));
        Map<String, Map<String, AttributeValue>> actual = new java.util.TreeMap<>();
        int typed = 0;
        for (org.bson.BsonDocument d : restored.find()) {
            actual.put(d.getString("_id").getValue(), mapper.item(d));
            org.junit.jupiter.api.Assertions.assertTrue(d.get("v").isInt64(), "v: " + d.toJson());
            org.junit.jupiter.api.Assertions.assertTrue(d.get("sub").isDocument() && d.getDocument("sub").get("tags").isArray()
                    && d.getDocument("sub").get("ok").isBoolean(), d.toJson());
            if (d.containsKey("bin")) {
                typed++;
                org.junit.jupiter.api.Assertions.assertTrue(d.get("bin").isBinary() && d.get("amount").isDecimal128(), d.toJson());
                org.junit.jupiter.api.Assertions.assertEquals(source.find(Filters.eq("_id", d.get("_id"))).first().get("bin"), d.get("bin"));
            }
        }
        org.junit.jupiter.api.Assertions.assertEquals(expected, actual, "the restored collection reads as the source");
        org.junit.jupiter.api.Assertions.assertTrue(typed > 0, "some documents hold binary and Decimal128 fields");
    }

    @Test
    @Timeout(300)
    void restoresExactlyTheRecordedStateAtEachMarkAndPrunesToTheRetention() throws Exception {
        mongo = new EmbeddedMongo(true);
        try (MongoClient c = MongoClients.create(mongo.uri("shop"))) {
            mongoClient = c;
            orders = c.getDatabase("shop").getCollection("orders");
            run(dir);
        } finally {
            mongo.close();
        }
    }
}
