package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/** The example application writes through the mirror, and {@code cutover verify --source mongodb://} proves both stores identical; bad flags are named. */
class MongoExampleWriterIT {
    @Test
    void theExampleWriterMirrorsEveryWriteAndVerifyFindsBothIdentical() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        String table = LocalTables.uniqueName("mongo-example");
        Path dir = Files.createTempDirectory("mongo-example");
        try (EmbeddedMongo mongo = new EmbeddedMongo(false); MongoClient client = MongoClients.create(mongo.uri("shop"));
             DynamoDbClient ddb = LocalTables.client(db)) {
            LocalTables.create(ddb, software.amazon.awssdk.services.dynamodb.model.CreateTableRequest.builder().tableName(table)
                    .keySchema(k -> k.attributeName("dataId").keyType(KeyType.HASH))
                    .attributeDefinitions(a -> a.attributeName("dataId").attributeType(ScalarAttributeType.N))
                    .billingMode(BillingMode.PAY_PER_REQUEST).build());
            client.getDatabase("shop").getCollection("events").insertOne(new Document("_id", -1).append("seed", true));
            String uri = mongo.uri("shop").replace("mongodb://", "mongodb://app:hunter2@");
            CliRun bad = CliRun.of("example", "mongo-writer", "--source", uri, "--source-collection", "events", "--target-table", table,
                    "--endpoint-url", db.endpoint().toString());
            assertEquals(2, bad.exitCode(), bad.all());
            assertTrue(bad.all().contains("--key-attribute"), bad.all());
            assertFalse(bad.all().contains("hunter2"), bad.all());
            CliRun refused = CliRun.of("migrate", "--source", uri, "--source-collection", "events", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", dir.resolve("refused").toString(),
                    "--mode", "mirror", "--no-progress");
            assertEquals(3, refused.exitCode(), refused.all());
            assertTrue(refused.all().contains("refused the credentials") && refused.all().contains("mongodb://***@"), refused.all());
            assertFalse(refused.all().contains("hunter2"), refused.all());

            CliRun run = CliRun.of("example", "mongo-writer", "--source", mongo.uri("shop"), "--source-collection", "events", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--journal", dir.resolve("j.db").toString(),
                    "--every-ms", "5", "--writes", "60", "--output", "json");
            assertEquals(0, run.exitCode(), run.all());
            assertTrue(run.out().contains("\"mirrored\""), run.out());
            CliRun verify = CliRun.of("verify", "--source", mongo.uri("shop"), "--source-collection", "events", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", dir.toString(), "--no-progress");
            // the seed document was written before the mirror started, and no backfill ran: exactly it is missing
            assertEquals(1, verify.exitCode(), verify.all());
            assertTrue(verify.out().contains("missing in target: 1"), verify.out());
            assertTrue(verify.out().contains("different:         0"), verify.out());
            assertTrue(verify.out().contains("extra in target:   0"), verify.out());
        }
    }
}
