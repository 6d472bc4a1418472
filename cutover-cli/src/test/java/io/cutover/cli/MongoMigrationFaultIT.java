package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.faults.TcpFaultProxy;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The fault suite, MongoDB to DynamoDB with change streams: a child {@code cutover migrate} reads
 * mongo-java-server through a {@link TcpFaultProxy} (latency, connection resets, half-open
 * connections) and writes DynamoDB through clients that fail {@value FaultSuite#RATE} of their calls,
 * while the application writes directly; it ends identical, with every captured change counted.
 */
class MongoMigrationFaultIT {
    @Test
    void aChangeStreamMigrationThroughAFaultyNetworkAndAFaultyTargetEndsIdentical() throws Exception {
        long seed = FaultSuite.seed("MongoMigrationFaultIT");
        LocalDynamoDb db = LocalTables.shared();
        Path state = Files.createTempDirectory("mongo-faults");
        String table = LocalTables.uniqueName("mongo-faults");
        try (EmbeddedMongo mongo = new EmbeddedMongo(true); MongoClient client = MongoClients.create(mongo.uri("shop"))) {
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            FaultSuite.loadOrders(orders, 2_500, seed);
            int port = Integer.parseInt(mongo.uri("shop").replaceAll(".*:(\\d+)/.*", "$1"));
            try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", port, seed).latencyMillis(1).resetRate(0.02).halfOpenRate(0.002)) {
                String viaProxy = "mongodb://127.0.0.1:" + proxy.port() + "/shop?socketTimeoutMS=3000";
                List<String> args = List.of("migrate", "--source", viaProxy, "--source-collection", "orders", "--target-table", table,
                        "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", state.toString(),
                        "--segments", "4", "--max-write-rate", "1500", "--until", "drained", "--output", "json", "--no-progress");
                MongoDemoWriter writer = new MongoDemoWriter(orders, null, 2_500, 5, false);
                Thread writing = new Thread(writer);
                writing.start();
                int runs = 0;
                int exit;
                Path log;
                try {
                    log = state.resolve("child-" + runs + ".log");
                    Process child = FaultSuite.migrate(FaultSuite.plan(seed), args, log);
                    long until = System.nanoTime() + 60_000_000_000L;
                    while (!FaultSuite.phase(state.resolve("mongo-migration.json")).equals("IN_SYNC") && child.isAlive() && System.nanoTime() < until) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(2_000);
                    writer.stop();
                    writing.join();
                    exit = FaultSuite.await(child, log, 180);
                    runs++;
                } finally {
                    writer.stop();
                    writing.join();
                }
                System.out.println(proxy.summary());
                assertEquals(0, exit, FaultSuite.tail(log));
                assertTrue(writer.writes() > 100, "writes " + writer.writes());
                JsonNode status = FaultSuite.lastJson(log);
                FaultSuite.assertEveryChangeCounted(status);
                assertTrue(FaultSuite.injectedShare(log) >= 0.10, "DynamoDB faults under 10% of calls");
                assertTrue(proxy.resets() > 0, proxy.summary());
            }
            FaultSuite.assertMongoIdentical(mongo.uri("shop"), table, db.endpoint(), state, seed);
        }
    }
}
