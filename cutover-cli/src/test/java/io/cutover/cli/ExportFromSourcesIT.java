package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import org.bson.Document;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover export} from a PostgreSQL table (the logging example's mapping) and from a MongoDB collection of varied
 * BSON types, loaded with {@code copy --from-export} into DynamoDB Local and compared item by item with what
 * {@code cutover migrate} writes from the same source: identical, with the same rows dead-lettered on both paths. The
 * PostgreSQL export is killed with SIGKILL after some of its units and resumed by the same command.
 */
class ExportFromSourcesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "n0t-for-logs";
    private static final int ROWS = 6_000;

    @TempDir
    Path dir;

    @Test
    void postgresExportKilledAndResumedLoadsExactlyWhatMigrateWrites() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            pg.createDatabase("export_db");
            String uri = pg.uri("export_db").replace("postgres@", "postgres:" + SECRET + "@");
            SqlEndpoint source = SqlEndpoint.parse(uri);
            IntegrationLogs.createTable(source);
            IntegrationLogs.load(source, ROWS, 11);
            // two rows no path can write: a key column that is NULL (the mapping cannot build PK), an item over 400 KB
            pg.execute("export_db", "ALTER TABLE integration_logs ALTER COLUMN service_name DROP NOT NULL",
                    "INSERT INTO integration_logs (service_name, application_id, correlation_id, is_success, log_timestamp)"
                            + " VALUES (NULL, 'app-1', '00000000-0000-0000-0000-000000000001', true, '2026-11-02T00:00:00Z')",
                    "INSERT INTO integration_logs (service_name, application_id, correlation_id, is_success, log_timestamp, message)"
                            + " VALUES ('billing', 'app-1', '00000000-0000-0000-0000-000000000002', true, '2026-11-02T00:00:01Z', repeat('x', 420000))");
            Path mapping = dir.resolve("mapping.yaml");
            Files.writeString(mapping, IntegrationLogs.resource("mapping.yaml"));
            Path state = dir.resolve("export-state");
            List<String> export = List.of("export", "--source", uri, "--source-table", "integration_logs", "--mapping", mapping.toString(),
                    "--to", dir.resolve("exp").toString(), "--state-dir", state.toString(), "--segments", "6", "--parallelism", "1",
                    "--page-size", "200", "--max-read-rate", "2000", "--no-progress", "--output", "json");

            CliRun dry = CliRun.of(Stream.concat(export.stream(), Stream.of("--dry-run")).toArray(String[]::new));
            assertEquals(0, dry.exitCode(), dry.all());
            assertEquals(6, JSON.readTree(dry.out()).get("units").asInt(), dry.out());
            assertFalse(Files.exists(state.resolve("export.json")), "a dry run writes nothing");

            Process child = CliRun.child(export, dir.resolve("child.log"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (unitsDone(state) < 2) {
                assertTrue(child.isAlive(), () -> "the export ended before it could be killed: " + read(dir.resolve("child.log")));
                assertTrue(System.nanoTime() < deadline, "no unit finished within 120 s");
                Thread.sleep(20);
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, child.exitValue());
            int doneBeforeResume = unitsDone(state);
            assertTrue(doneBeforeResume < 6, "killed before the end");
            assertFalse(read(dir.resolve("child.log")).contains(SECRET), "the password is never printed");

            CliRun resumed = CliRun.of(export.toArray(String[]::new));
            assertEquals(1, resumed.exitCode(), "exit 1: exported, with dead letters: " + resumed.all());
            JsonNode r = JSON.readTree(resumed.out());
            assertEquals("completed", r.get("status").asText());
            assertEquals(ROWS, r.get("items").asLong());
            assertEquals(2, r.get("deadLettered").asLong(), r.toString());
            assertTrue(r.get("resumedItems").asLong() > 0, "the finished units were not read again: " + r);
            assertEquals(6, r.get("files").asInt());
            assertFalse(resumed.all().contains(SECRET), "the password is never printed");
            List<String> dead = Files.readAllLines(Path.of(r.get("deadLetterFile").asText()));
            assertTrue(dead.stream().anyMatch(l -> l.contains("cannot be built")), dead.toString());
            assertTrue(dead.stream().anyMatch(l -> l.contains("over DynamoDB's item limit")), String.valueOf(dead.size()));

            CliRun again = CliRun.of(export.toArray(String[]::new));
            assertEquals(1, again.exitCode(), again.all());
            assertEquals(r.get("location").asText(), JSON.readTree(again.out()).get("location").asText(), "a finished export is not written again");

            String migrated = LocalTables.uniqueName("pg-migrated");
            CliRun migrate = CliRun.of("migrate", "--source", uri, "--source-table", "integration_logs", "--target-table", migrated,
                    "--mapping", mapping.toString(), "--endpoint-url", db.endpoint().toString(), "--state-dir", dir.resolve("migrate").toString(),
                    "--segments", "3", "--until", "backfill", "--no-progress");
            assertEquals(1, migrate.exitCode(), "migrate dead-letters the same two rows: " + migrate.all());
            String loaded = loadInto(db, migrated, r.get("location").asText());
            TableComparison.Result cmp = TableComparison.compare(client, migrated, client, loaded);
            assertTrue(cmp.identical(), cmp.toString());
            assertEquals(ROWS, cmp.targetItems());
        }
    }

    @Test
    void mongoCollectionOfVariedTypesExportsExactlyWhatTheBackfillWrites() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        DynamoDbClient client = LocalTables.client(db);
        try (EmbeddedMongo mongo = new EmbeddedMongo(false); MongoClient mc = MongoClients.create(mongo.uri("shop"))) {
            MongoCollection<Document> orders = mc.getDatabase("shop").getCollection("orders");
            Random random = new Random(5);
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < 3_000; i++) {
                docs.add(MongoDemoWriter.document(i, random));
            }
            orders.insertMany(docs);
            MongoCollection<BsonDocument> raw = mc.getDatabase("shop").getCollection("orders", BsonDocument.class);
            for (int i = 0; i < 20; i++) {
                raw.insertOne(everyType(100_000 + i));
            }
            raw.insertOne(new BsonDocument("_id", new BsonInt32(200_000)).append("nan", new BsonDouble(Double.NaN)));
            raw.insertOne(new BsonDocument("_id", new BsonInt32(200_001)).append("re", new BsonRegularExpression("^a", "i")));

            CliRun exported = CliRun.of("export", "--source", mongo.uri("shop"), "--source-collection", "orders", "--key-attribute", "dataId",
                    "--to", dir.resolve("exp").toString(), "--state-dir", dir.resolve("export-state").toString(), "--segments", "4",
                    "--page-size", "500", "--format", "ION", "--no-progress", "--output", "json");
            assertEquals(1, exported.exitCode(), "exported with two dead letters: " + exported.all());
            JsonNode r = JSON.readTree(exported.out());
            assertEquals(3_020, r.get("items").asLong(), r.toString());
            assertEquals(2, r.get("deadLettered").asLong(), r.toString());
            assertNull(r.get("exportArn").textValue(), "a MongoDB export has no table ARN");

            String migrated = LocalTables.uniqueName("mongo-migrated");
            CliRun migrate = CliRun.of("migrate", "--source", mongo.uri("shop"), "--source-collection", "orders", "--key-attribute", "dataId",
                    "--target-table", migrated, "--mode", "mirror", "--endpoint-url", db.endpoint().toString(),
                    "--state-dir", dir.resolve("migrate").toString(), "--segments", "3", "--no-progress");
            assertEquals(1, migrate.exitCode(), "the backfill dead-letters the same two documents: " + migrate.all());
            String loaded = loadInto(db, migrated, r.get("location").asText());
            TableComparison.Result cmp = TableComparison.compare(client, migrated, client, loaded);
            assertTrue(cmp.identical(), cmp.toString());
            assertEquals(3_020, cmp.targetItems());
        }
    }

    /** A table with {@code like}'s keys and indexes (copy --schema-only), loaded from the export with copy --from-export. */
    private String loadInto(LocalDynamoDb db, String like, String export) throws Exception {
        String loaded = like + "-loaded";
        CliRun schema = CliRun.of("copy", "--endpoint-url", db.endpoint().toString(), "--source-table", like, "--target-table", loaded,
                "--schema-only", "--state-dir", dir.resolve("schema").toString(), "--no-progress");
        assertEquals(0, schema.exitCode(), schema.all());
        CliRun load = CliRun.of("copy", "--endpoint-url", db.endpoint().toString(), "--from-export", export, "--target-table", loaded,
                "--state-dir", dir.resolve("load-" + loaded).toString(), "--no-progress", "--output", "json");
        assertEquals(0, load.exitCode(), load.all());
        return loaded;
    }

    static BsonDocument everyType(int id) {
        return new BsonDocument("_id", new BsonInt32(id))
                .append("objectId", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("string", new BsonString("héllo")).append("empty", new BsonString(""))
                .append("int32", new BsonInt32(-7)).append("int64", new BsonInt64(9_007_199_254_740_993L))
                .append("double", new BsonDouble(0.1))
                .append("decimal", new BsonDecimal128(Decimal128.parse("1234567890.123456789012345678901234")))
                .append("date", new BsonDateTime(1_795_428_000_123L)).append("timestamp", new BsonTimestamp(1_795_428_000, 3))
                .append("binary", new BsonBinary(new byte[] {0, 1, 2, (byte) 255})).append("bool", BsonBoolean.FALSE)
                .append("null", BsonNull.VALUE)
                .append("nested", new BsonDocument("a", new BsonDocument("b", new BsonArray(List.of(new BsonInt32(1), new BsonString("x"))))))
                .append("array", new BsonArray(List.of(new BsonDouble(1.5), BsonNull.VALUE, new BsonDocument())));
    }

    private static int unitsDone(Path state) throws Exception {
        Path units = state.resolve("units");
        if (!Files.isDirectory(units)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(units)) {
            return (int) files.filter(p -> p.toString().endsWith(".json")).count();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
