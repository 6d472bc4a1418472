package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's kill schedule, MongoDB to DynamoDB with change streams: a child {@code cutover
 * migrate} is killed with {@code kill -9} at seeded random points across every phase while the
 * application writes; after the last kill the same command drains, every captured change is counted,
 * and {@code cutover verify} finds both sides identical.
 */
class MongoKillScheduleFaultIT {
    @Test
    void killedAtSeededRandomPointsAcrossEveryPhaseThenResumedEndsIdentical() throws Exception {
        long seed = FaultSuite.seed("MongoKillScheduleFaultIT");
        LocalDynamoDb db = LocalTables.shared();
        Path state = Files.createTempDirectory("mongo-kills");
        String table = LocalTables.uniqueName("mongo-kills");
        try (EmbeddedMongo mongo = new EmbeddedMongo(true); MongoClient client = MongoClients.create(mongo.uri("shop"))) {
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            FaultSuite.loadOrders(orders, 3_000, seed);
            List<String> args = List.of("migrate", "--source", mongo.uri("shop"), "--source-collection", "orders", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", state.resolve("state").toString(),
                    "--segments", "4", "--max-write-rate", "1500", "--no-progress");
            MongoDemoWriter writer = new MongoDemoWriter(orders, null, 3_000, 5, false);
            Thread writing = new Thread(writer);
            writing.start();
            int landed;
            try {
                landed = FaultSuite.killAtRandom("MongoKillScheduleFaultIT", seed, args, state.resolve("state").resolve("mongo-migration.json"), state);
            } finally {
                writer.stop();
                writing.join();
            }
            assertTrue(landed >= FaultSuite.DEFAULT_KILLS / 2, "only " + landed + " kills landed in a running child");
            assertTrue(writer.failure() == null, String.valueOf(writer.failure()));
            FaultSuite.drainAndAssertCounted(args);
            FaultSuite.assertMongoIdentical(mongo.uri("shop"), table, db.endpoint(), state, seed);
        }
    }
}
