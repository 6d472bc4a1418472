package io.cutover.mongodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Every BSON type through mongo-java-server, the backfill and the change stream into DynamoDB Local,
 * compared with the documented mapping; the unmappable documents in the dead-letter file with their reasons.
 */
class BsonTypesRoundTripIT {
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

    static BsonDocument everyType(int id) {
        return new BsonDocument("_id", new BsonInt32(id))
                .append("objectId", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("string", new BsonString("héllo"))
                .append("empty", new BsonString(""))
                .append("int32", new BsonInt32(-7))
                .append("int64", new BsonInt64(9_007_199_254_740_993L))
                .append("double", new BsonDouble(0.1))
                .append("decimal", new BsonDecimal128(Decimal128.parse("1234567890.123456789012345678901234")))
                .append("date", new BsonDateTime(1_795_428_000_123L))
                .append("timestamp", new BsonTimestamp(1_795_428_000, 3))
                .append("binary", new BsonBinary(new byte[] {0, 1, 2, (byte) 255}))
                .append("bool", BsonBoolean.FALSE)
                .append("null", BsonNull.VALUE)
                .append("nested", new BsonDocument("a", new BsonDocument("b", new BsonArray(List.of(new BsonInt32(1), new BsonString("x"))))))
                .append("array", new BsonArray(List.of(new BsonDouble(1.5), BsonNull.VALUE, new BsonDocument())));
    }

    static Map<String, AttributeValue> expected(int id) {
        return Map.ofEntries(Map.entry("dataId", AttributeValue.fromN(Integer.toString(id))),
                Map.entry("objectId", AttributeValue.fromS("65a1b2c3d4e5f60718293a4b")),
                Map.entry("string", AttributeValue.fromS("héllo")),
                Map.entry("empty", AttributeValue.fromS("")),
                Map.entry("int32", AttributeValue.fromN("-7")),
                Map.entry("int64", AttributeValue.fromN("9007199254740993")),
                Map.entry("double", AttributeValue.fromN("0.1")),
                Map.entry("decimal", AttributeValue.fromN("1234567890.123456789012345678901234")),
                Map.entry("date", AttributeValue.fromS("2026-11-23T10:00:00.123Z")),
                Map.entry("timestamp", AttributeValue.fromS("2026-11-23T10:00:00.000Z")),
                Map.entry("binary", AttributeValue.fromB(SdkBytes.fromByteArray(new byte[] {0, 1, 2, (byte) 255}))),
                Map.entry("bool", AttributeValue.fromBool(false)),
                Map.entry("null", AttributeValue.fromNul(true)),
                Map.entry("nested", AttributeValue.fromM(Map.of("a", AttributeValue.fromM(Map.of("b",
                        AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromS("x")))))))),
                Map.entry("array", AttributeValue.fromL(List.of(AttributeValue.fromN("1.5"), AttributeValue.fromNul(true), AttributeValue.fromM(Map.of())))));
    }

    static List<BsonDocument> unmappable(int from) {
        return List.of(new BsonDocument("_id", new BsonInt32(from)).append("nan", new BsonDouble(Double.NaN)),
                new BsonDocument("_id", new BsonInt32(from + 1)).append("inf", new BsonDecimal128(Decimal128.POSITIVE_INFINITY)),
                new BsonDocument("_id", new BsonInt32(from + 2)).append("re", new BsonRegularExpression("^a", "i")),
                new BsonDocument("_id", new BsonInt32(from + 3)).append("big", new BsonString("x".repeat(420 * 1024))));
    }

    @Test
    void everyBsonTypeArrivesAsDocumentedThroughBackfillAndChangeStreamAndTheRestIsDeadLettered() throws Exception {
        String collection = "types" + System.nanoTime();
        String table = LocalTables.uniqueName("mongo-types");
        MongoCollection<BsonDocument> c = client.getDatabase("shop").getCollection(collection, BsonDocument.class);
        c.insertOne(everyType(1));
        c.insertMany(unmappable(10));
        Path state = Files.createTempDirectory("types");
        MongoMigrationSettings settings = new MongoMigrationSettings(MongoSourceUri.parse(mongo.uri("shop")), collection,
                DocumentMapping.byId("dataId"), DynamoDbEndpoint.local("target", dynamo.endpoint()), table, state,
                MongoMigrationSettings.Mode.CHANGE_STREAM, null, 1, 1, 4, 0, 100);
        try (MongoMigration m = new MongoMigration(settings, false)) {
            m.run("backfill", CopyProgress.NONE, s -> { });
        }
        // after the backfill: the same types through the change stream
        c.insertOne(everyType(2));
        c.insertMany(unmappable(20));
        MigrationStatus status;
        try (MongoMigration m = new MongoMigration(settings, false)) {
            status = m.run("drained", CopyProgress.NONE, s -> { });
        }
        for (int id : new int[] {1, 2}) {
            Map<String, AttributeValue> item = ddb.getItem(b -> b.tableName(table).key(Map.of("dataId", AttributeValue.fromN(Integer.toString(id))))
                    .consistentRead(true)).item();
            assertEquals(expected(id), item, "document " + id);
        }
        List<String> reasons = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(state.resolve("dead-letters.jsonl"))) {
            JsonNode n = json.readTree(line);
            reasons.add(n.get("item").get("dataId").get("N").asText() + ": " + n.get("reason").asText());
            assertTrue(n.get("item").has("mongoDocument"), line.substring(0, Math.min(200, line.length())));
        }
        assertEquals(8, reasons.size(), reasons.toString());
        for (int base : new int[] {10, 20}) {
            assertTrue(reasons.stream().anyMatch(r -> r.startsWith(base + ": ") && r.contains("NaN")), reasons.toString());
            assertTrue(reasons.stream().anyMatch(r -> r.startsWith((base + 1) + ": ") && r.contains("Infinity")), reasons.toString());
            assertTrue(reasons.stream().anyMatch(r -> r.startsWith((base + 2) + ": ") && r.contains("REGULAR_EXPRESSION")), reasons.toString());
            assertTrue(reasons.stream().anyMatch(r -> r.startsWith((base + 3) + ": ") && r.contains("400 KB")), reasons.toString());
        }
        assertEquals(8, status.deadLettered());
        // verify shows exactly the dead-lettered documents, as missing in the target
        try (MongoVerification v = new MongoVerification(MongoSourceUri.parse(mongo.uri("shop")), collection, DocumentMapping.byId("dataId"),
                DynamoDbEndpoint.local("target", dynamo.endpoint()), 8)) {
            VerifyResult r = v.run(table, VerifyOptions.defaults().withSegments(2).withParallelism(2), CopyProgress.NONE, state.resolve("r.jsonl"),
                    Optional.empty());
            assertEquals(8, r.missing(), r.toString());
            assertEquals(0, r.different() + r.extra(), r.toString());
        }
    }
}
