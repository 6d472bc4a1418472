package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The fault suite, DynamoDB to DynamoDB: a child {@code cutover migrate} whose every DynamoDB and
 * Streams client fails {@value FaultSuite#RATE} of its calls (throttles, LimitExceededException, 500,
 * 503, timeouts, responses lost after the write landed), while a writer changes the source, ends
 * identical with every captured change applied, superseded or dead-lettered.
 */
class DynamoDbMigrationFaultIT {
    @TempDir
    Path state;

    /** Puts and deletes on the source's keys, at most 200 a second, until stopped. */
    static Thread writer(DynamoDbClient client, String table, AtomicBoolean writing, long seed) {
        Thread t = new Thread(() -> {
            Random random = new Random(seed);
            while (writing.get()) {
                int k = random.nextInt(2_500);
                Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("customer#" + (k % 4999)),
                        "sk", AttributeValue.fromS(String.format("order#%012d", k)));
                if (random.nextInt(4) == 0) {
                    client.deleteItem(b -> b.tableName(table).key(key));
                } else {
                    Map<String, AttributeValue> item = new HashMap<>(key);
                    item.put("n", AttributeValue.fromN(Integer.toString(random.nextInt())));
                    client.putItem(b -> b.tableName(table).item(item));
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "fault-suite-writer");
        t.start();
        return t;
    }

    @Test
    void aLiveMigrationWithFaultsOnAFifthOfCallsEndsIdenticalWithEveryChangeCounted() throws Exception {
        long seed = FaultSuite.seed("DynamoDbMigrationFaultIT");
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess()) {
            DynamoDbClient client = LocalTables.client(db);
            String src = "fault-source";
            String dst = "fault-target";
            FaultSuite.streamSource(client, src, 2_000, 43);
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = writer(client, src, writing, seed);
            Path log = state.resolve("child.log");
            // No injected throttles here: the live apply writes one conditional item a call (version rule), and the
            // adaptive throttle answers a throttle on a random 3% of calls by halving its rate every 200 ms, so the
            // apply crawls at 1 item/s (a real service stops throttling once the rate drops). Throttles on the
            // batch path stay in PostgresMigrationFaultIT and MongoMigrationFaultIT.
            Process child = FaultSuite.migrate(FaultSuite.plan(seed).without(io.cutover.faults.FaultPlan.Fault.THROTTLE), List.of("migrate", "--endpoint-url", db.endpoint().toString(),
                    "--source-table", src, "--target-table", dst, "--state-dir", state.resolve("state").toString(), "--segments", "4",
                    "--parallelism", "2", "--max-write-rate", "400", "--until", "drained", "--output", "json", "--no-progress"), log);
            try {
                long until = System.nanoTime() + 60_000_000_000L;
                while (!FaultSuite.phase(state.resolve("state").resolve("migration.json")).equals("IN_SYNC") && child.isAlive()
                        && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                Thread.sleep(2_000); // changes while IN_SYNC, under faults too
            } finally {
                writing.set(false);
                writer.join();
            }
            int exit = FaultSuite.await(child, log, 180);
            assertEquals(0, exit, FaultSuite.tail(log));
            JsonNode status = FaultSuite.lastJson(log);
            FaultSuite.assertEveryChangeCounted(status);
            assertTrue(status.get("captured").asLong() > 100, status.toString());
            double share = FaultSuite.injectedShare(log);
            assertTrue(share >= 0.10, "faults on " + share + " of the calls");
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), cmp.toString());
        }
    }
}
