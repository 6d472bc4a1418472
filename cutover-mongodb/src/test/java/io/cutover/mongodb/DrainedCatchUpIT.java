package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.faults.TcpFaultProxy;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code --until drained} over a change stream whose connection goes half-open just as the last
 * writes are made: the stream is silent for longer than the two quiet seconds, until the driver's read
 * timeout. Drained must wait for the stream to catch up (it used to end, exit 0, without those writes).
 */
class DrainedCatchUpIT {
    @Test
    void drainedWaitsForAStreamHeldUpByAHalfOpenConnection() throws Exception {
        LocalDynamoDb dynamo = LocalTables.shared();
        String table = LocalTables.uniqueName("mongo-drained");
        try (TestMongo mongo = new TestMongo(true); MongoClient client = mongo.client()) {
            MongoCollection<Document> c = client.getDatabase("shop").getCollection("drained");
            for (int i = 0; i < 200; i++) {
                c.insertOne(new Document("_id", i).append("v", "before"));
            }
            int port = Integer.parseInt(mongo.uri("shop").replaceAll(".*:(\\d+)/.*", "$1"));
            try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", port, 2)) {
                MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse("mongodb://127.0.0.1:" + proxy.port()
                        + "/shop?socketTimeoutMS=6000"), "drained", DocumentMapping.byId("dataId"), DynamoDbEndpoint.local("target", dynamo.endpoint()),
                        table, Files.createTempDirectory("drained"), MongoMigrationSettings.Mode.CHANGE_STREAM, null, 2, 2, 4, 0, 100);
                AtomicReference<String> phase = new AtomicReference<>("");
                CompletableFuture<MigrationStatus> run;
                try (MongoMigration m = new MongoMigration(settings, false)) {
                    run = CompletableFuture.supplyAsync(() -> m.run("drained", CopyProgress.NONE, s -> phase.set(s.phase())));
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!phase.get().equals("IN_SYNC") && System.currentTimeMillis() < deadline && !run.isDone()) {
                        Thread.sleep(20);
                    }
                    assertEquals("IN_SYNC", phase.get());
                    // the next request on the stream's connection is forwarded, and from then on nothing comes back
                    proxy.halfOpenRate(1.0);
                    long halfOpenBy = System.currentTimeMillis() + 5_000;
                    while (proxy.halfOpens() == 0 && System.currentTimeMillis() < halfOpenBy) {
                        Thread.sleep(5);
                    }
                    proxy.halfOpenRate(0);
                    assertTrue(proxy.halfOpens() >= 1, proxy.summary());
                    for (int i = 200; i < 220; i++) {
                        c.insertOne(new Document("_id", i).append("v", "while the stream was silent"));
                    }
                    MigrationStatus done = run.get(90, TimeUnit.SECONDS);
                    assertEquals(0, done.backlog());
                }
            }
            try (DynamoDbClient ddb = DynamoDbClients.create(DynamoDbEndpoint.local("target", dynamo.endpoint()), 2)) {
                for (int i = 200; i < 220; i++) {
                    int id = i;
                    Map<String, AttributeValue> item = ddb.getItem(b -> b.tableName(table).consistentRead(true)
                            .key(Map.of("dataId", AttributeValue.fromN(Integer.toString(id))))).item();
                    assertTrue(item != null && !item.isEmpty(), "_id " + i + ", written while the stream was silent, is missing");
                }
            }
        }
    }
}
