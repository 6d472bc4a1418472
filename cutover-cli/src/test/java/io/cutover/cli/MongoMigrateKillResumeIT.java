package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * {@code cutover migrate --source mongodb://...} as a child process, killed with {@code kill -9} during
 * the backfill while the application keeps writing, then resumed: the backfill goes on from its
 * checkpoints, the change stream from its saved position, and {@code cutover verify} finds both identical.
 */
class MongoMigrateKillResumeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void killedDuringTheBackfillThenResumedEndsIdentical() throws Exception {
        LocalDynamoDb db = LocalTables.shared();
        Path state = Files.createTempDirectory("mongo-kill");
        String table = LocalTables.uniqueName("mongo-kill");
        try (EmbeddedMongo mongo = new EmbeddedMongo(true); MongoClient client = MongoClients.create(mongo.uri("shop"))) {
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            Random r = new Random(3);
            List<Document> docs = new ArrayList<>();
            for (int i = 0; i < 12_000; i++) {
                docs.add(MongoDemoWriter.document(i, r));
            }
            orders.insertMany(docs);
            List<String> args = List.of("migrate", "--source", mongo.uri("shop"), "--source-collection", "orders", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", state.toString(),
                    "--segments", "4", "--max-write-rate", "1500", "--until", "drained", "--no-progress");
            MongoDemoWriter writer = new MongoDemoWriter(orders, null, 12_000, 5, false);
            Thread writing = new Thread(writer);
            writing.start();
            long before;
            try {
                Process child = CliRun.child(args, state.resolve("child.log"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
                while (!(phase(state).equals("BACKFILL") && backfilled(state) >= 1500)) {
                    assertTrue(child.isAlive(), () -> "the migration ended before it could be killed: " + read(state.resolve("child.log")));
                    assertTrue(System.nanoTime() < deadline, () -> "no backfill progress within 180 s: " + read(state.resolve("child.log")));
                    Thread.sleep(20);
                }
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
                before = backfilled(state);
                assertEquals("BACKFILL", phase(state));
                assertTrue(before < 12_000, "killed too late: " + before);
                Thread.sleep(500);
            } finally {
                writer.stop();
                writing.join();
            }
            assertTrue(writer.writes() > 50, "writes " + writer.writes());
            CliRun resumed = CliRun.of(args.toArray(String[]::new));
            assertEquals(0, resumed.exitCode(), resumed.all());
            assertTrue(backfilled(state) >= before, "the resumed backfill started over");
            CliRun status = CliRun.of("status", "--state-dir", state.toString(), "--output", "json");
            assertEquals(0, status.exitCode(), status.all());
            JsonNode s = JSON.readTree(status.out());
            assertEquals("IN_SYNC", s.get("phase").asText());
            assertEquals(0, s.get("backlog").asLong());
            CliRun verify = CliRun.of("verify", "--source", mongo.uri("shop"), "--source-collection", "orders", "--target-table", table,
                    "--key-attribute", "dataId", "--endpoint-url", db.endpoint().toString(), "--state-dir", state.resolve("verify").toString(),
                    "--no-progress");
            assertEquals(0, verify.exitCode(), verify.all());
            assertTrue(verify.out().contains("IDENTICAL"), verify.out());
            assertFalse(verify.all().contains("Exception"), verify.all());
        }
    }

    private static String phase(Path state) {
        Path f = state.resolve("mongo-migration.json");
        try {
            return Files.exists(f) ? JSON.readTree(f.toFile()).get("phase").asText() : "";
        } catch (Exception renamedMeanwhile) {
            return "";
        }
    }

    private static long backfilled(Path state) throws Exception {
        Path dir = state.resolve("backfill");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        long sum = 0;
        List<Path> checkpoints;
        try (var files = Files.walk(dir)) {
            checkpoints = files.filter(p -> p.toString().endsWith(".json")).toList();
        } catch (java.io.UncheckedIOException renamedDuringTheWalk) {
            return 0; // a checkpoint's temporary file vanished mid-walk (atomic rename): next poll
        }
        {
            for (Path f : checkpoints) {
                try {
                    sum += JSON.readTree(f.toFile()).get("items").asLong();
                } catch (Exception renamedMeanwhile) {
                    // next poll
                }
            }
        }
        return sum;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return e.toString();
        }
    }
}
