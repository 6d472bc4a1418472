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
        if (!present) {
            orders.insertOne(new Document("_id", key).append("v", v).append("note", "n" + v));
        } else if (replace = !replace) {
            orders.replaceOne(Filters.eq("_id", key), new Document("_id", key).append("v", v).append("note", "replaced"));
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
