package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.Phase;
import io.cutover.client.StoreEndpoint;
import io.cutover.core.version.HybridClock;
import io.cutover.core.version.Version;
import io.cutover.core.version.VersionAttribute;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.mongodb.DocumentMapping;
import io.cutover.mongodb.MongoStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * {@code cutover migrate --source-table T --capture-only --enable-stream --target mongodb://... --collection C} as the
 * operator runs it (a child process, stopped with SIGTERM), fenced by the registry: nothing is applied while the
 * application is at SOURCE_ONLY, everything once it is past it; a key changed on both sides is a conflict the version rule
 * resolves (the newer MongoDB document stays) and counts; {@code status} reads the reverse's state directory and
 * {@code verify --source-table T --target mongodb://...} compares the pair and finds exactly that key.
 */
class MongoReverseCommandIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final VersionAttribute V = VersionAttribute.DEFAULT;
    private static final String APP = "shop-orders";

    @TempDir
    Path dir;

    @Test
    void appliesTheTableIntoTheCollectionOnlyPastSourceOnlyAndCountsTheConflict() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        String table = LocalTables.uniqueName("orders-v2");
        String registryTable = LocalTables.uniqueName("registry");
        Path state = dir.resolve("reverse");
        try (EmbeddedMongo mongo = new EmbeddedMongo(true); MongoClient client = MongoClients.create(mongo.uri("shop"));
             DynamoDbClient ddb = LocalTables.client(db)) {
            LocalTables.create(ddb, software.amazon.awssdk.services.dynamodb.model.CreateTableRequest.builder().tableName(table)
                    .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build())
                    .attributeDefinitions(AttributeDefinition.builder().attributeName("id").attributeType(ScalarAttributeType.S).build())
                    .billingMode(BillingMode.PAY_PER_REQUEST).build());
            EndpointRegistry registry = new EndpointRegistry(ddb, registryTable).ensureTable();
            registry.register(APP, StoreEndpoint.table("orders"), StoreEndpoint.table(table), dir.resolve("forward").toString(),
                    dir.resolve("verify").toString(), state.toString(), "test", null);
            MongoStore mongoSide = new MongoStore(client.getDatabase("shop").getCollection("orders"), DocumentMapping.byId("id"));
            client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", "seed").append("value", "before"));
            Version older = new HybridClock("writer-x").next(3);
            Thread.sleep(5);
            Version newer = new HybridClock("writer-y").next(3);
            assertTrue(mongoSide.putIfNewer(V.stamp(item("conflict", "newer"), newer), V));

            List<String> args = List.of("migrate", "--source-table", table, "--capture-only", "--enable-stream", "--target", mongo.uri("shop"),
                    "--collection", "orders", "--key-attribute", "id", "--fence-app", APP, "--registry-table", registryTable,
                    "--registry-endpoint-url", db.endpoint().toString(), "--registry-region", "us-east-1", "--endpoint-url",
                    db.endpoint().toString(), "--region", "us-east-1", "--write-concurrency", "4", "--state-dir", state.toString(),
                    "--no-progress");
            Process child = CliRun.child(args, dir.resolve("child.log"));
            try {
                waitFor("the reverse in sync", child, () -> phase(state).equals("IN_SYNC"));
                DynamoDbStore dynamoSide = DynamoDbStore.of(ddb, table);
                HybridClock app = new HybridClock("app-1");
                for (int i = 0; i < 20; i++) {
                    assertTrue(dynamoSide.putIfNewer(V.stamp(item("k" + i, "v" + i), app.next(3)), V));
                }
                waitFor("the 20 changes captured", child, () -> captured(state) >= 20);
                Thread.sleep(1500);
                assertEquals(Optional.empty(), mongoSide.get(key("k0")), "fenced at SOURCE_ONLY: nothing applied");
                assertTrue(DynamoDbMigration.lastStatus(state).orElseThrow().fenced(), "status.json says FENCED");

                registry.change(APP, 1, Phase.DUAL_WRITE, "test", "switch", "the fence opens", true, Map.of(), List.of());
                assertTrue(dynamoSide.putIfNewer(V.tombstoneOf(key("seed"), app.next(3)), V));
                assertTrue(dynamoSide.putIfNewer(V.stamp(item("conflict", "older"), older), V), "the DynamoDB side had no such key");
                waitFor("every change applied into MongoDB", child, () -> value(mongoSide, "k19").equals(Optional.of("v19"))
                        && mongoSide.get(key("seed")).map(V::isTombstone).orElse(false) && conflicts(state) == 1);
                for (int i = 0; i < 20; i++) {
                    assertEquals(Optional.of("v" + i), value(mongoSide, "k" + i));
                }
                assertEquals(Optional.of("newer"), value(mongoSide, "conflict"), "the version rule kept the newer document");
            } finally {
                child.destroy(); // SIGTERM: the command stops after the writes in flight
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the reverse stopped on SIGTERM");
            }
            String log = Files.readString(dir.resolve("child.log"));
            assertFalse(log.contains("Exception"), log);

            CliRun status = CliRun.of("status", "--state-dir", state.toString(), "--output", "json");
            assertEquals(0, status.exitCode(), status.all());
            JsonNode s = JSON.readTree(status.out());
            assertEquals(22, s.get("captured").asLong(), s.toString());
            assertEquals(1, s.get("conflicts").asLong(), s.toString());
            assertEquals(0, s.get("deadLettered").asLong(), s.toString());
            List<String> conflictLines = Files.readAllLines(state.resolve(DynamoDbMigration.CONFLICTS_FILE));
            assertTrue(conflictLines.size() == 1 && conflictLines.get(0).contains(older.encoded()) && conflictLines.get(0).contains(newer.encoded()),
                    conflictLines.toString());

            // The pair, named the reverse way round: only the conflict key differs (the forward direction would carry "newer" over).
            CliRun verify = CliRun.of("verify", "--source-table", table, "--target", mongo.uri("shop"), "--collection", "orders",
                    "--key-attribute", "id", "--endpoint-url", db.endpoint().toString(), "--region", "us-east-1",
                    "--state-dir", dir.resolve("verify").toString(), "--no-progress", "--output", "json");
            assertEquals(1, verify.exitCode(), verify.all());
            JsonNode v = JSON.readTree(verify.out());
            assertEquals(0, v.get("missing").asLong(), v.toString());
            assertEquals(0, v.get("extra").asLong(), v.toString());
            assertEquals(1, v.get("different").asLong(), v.toString());
            assertEquals("conflict", v.get("differentItems").get(0).get("key").get("id").get("S").asText(), v.toString());
        }
    }

    private static String phase(Path state) {
        return DynamoDbMigration.lastStatus(state).map(s -> s.phase()).orElse("");
    }

    private static long captured(Path state) {
        return DynamoDbMigration.lastStatus(state).map(s -> s.captured()).orElse(0L);
    }

    private static long conflicts(Path state) {
        return DynamoDbMigration.lastStatus(state).map(s -> s.conflicts()).orElse(0L);
    }

    private static Optional<String> value(MongoStore store, String id) {
        return store.get(key(id)).flatMap(V::visible).map(i -> i.get("value").s());
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of("id", AttributeValue.fromS(id));
    }

    private static Map<String, AttributeValue> item(String id, String value) {
        return Map.of("id", AttributeValue.fromS(id), "value", AttributeValue.fromS(value));
    }

    private void waitFor(String what, Process child, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            assertTrue(child.isAlive(), () -> "the command ended before " + what + ": " + read(dir.resolve("child.log")));
            assertTrue(System.nanoTime() < deadline, () -> what + " not within 60 s: " + read(dir.resolve("child.log")));
            Thread.sleep(100);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
