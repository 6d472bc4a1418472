package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The fault suite's kill schedule, DynamoDB to DynamoDB: a child {@code cutover migrate} is killed with
 * {@code kill -9} at seeded random points across PREPARE, CAPTURE, BACKFILL, CATCH_UP and IN_SYNC
 * while a writer changes the source; after the last kill the same command drains, and the tables are
 * identical with every change counted.
 */
class DynamoDbKillScheduleFaultIT {
    @TempDir
    Path state;

    @Test
    void killedAtSeededRandomPointsAcrossEveryPhaseThenResumedEndsIdentical() throws Exception {
        long seed = FaultSuite.seed("DynamoDbKillScheduleFaultIT");
        try (LocalDynamoDb db = LocalDynamoDb.startChildProcess()) {
            DynamoDbClient client = LocalTables.client(db);
            String src = "kills-source";
            String dst = "kills-target";
            FaultSuite.streamSource(client, src, 2_000, 47);
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = DynamoDbMigrationFaultIT.writer(client, src, writing, seed);
            List<String> args = List.of("migrate", "--endpoint-url", db.endpoint().toString(), "--source-table", src,
                    "--target-table", dst, "--state-dir", state.resolve("state").toString(), "--segments", "4", "--parallelism", "2",
                    "--max-write-rate", "400", "--no-progress");
            int landed;
            try {
                landed = FaultSuite.killAtRandom("DynamoDbKillScheduleFaultIT", seed, args, state.resolve("state").resolve("migration.json"), state);
            } finally {
                writing.set(false);
                writer.join();
            }
            assertTrue(landed >= FaultSuite.DEFAULT_KILLS / 2, "only " + landed + " kills landed in a running child");
            FaultSuite.drainAndAssertCounted(args);
            TableComparison.Result cmp = TableComparison.compare(client, src, client, dst);
            assertTrue(cmp.identical(), "seed " + seed + ": " + cmp);
        }
    }
}
