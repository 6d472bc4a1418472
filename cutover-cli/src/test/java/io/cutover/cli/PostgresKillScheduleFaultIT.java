package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.source.SqlEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite's kill schedule, PostgreSQL to DynamoDB with the logging mapping: a child {@code cutover
 * migrate} is killed with {@code kill -9} at seeded random points across every phase while the
 * application updates (moving rows to new keys), inserts and deletes rows; after the last kill the same
 * command drains, every captured change is counted, and {@code cutover verify} finds both sides identical.
 */
class PostgresKillScheduleFaultIT {
    @TempDir
    Path dir;

    @Test
    void killedAtSeededRandomPointsAcrossEveryPhaseThenResumedEndsIdentical() throws Exception {
        long seed = FaultSuite.seed("PostgresKillScheduleFaultIT");
        LocalDynamoDb dynamo = LocalTables.shared();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            pg.createDatabase("kills_db");
            SqlEndpoint source = SqlEndpoint.parse(pg.uri("kills_db"));
            IntegrationLogs.createTable(source);
            IntegrationLogs.load(source, 3_000, seed);
            Path mapping = dir.resolve("mapping.yaml");
            Files.writeString(mapping, IntegrationLogs.resource("mapping.yaml"));
            String target = LocalTables.uniqueName("pg-kills");
            Path state = dir.resolve("state");
            List<String> args = List.of("migrate", "--source", pg.uri("kills_db"), "--source-table", "integration_logs", "--target-table",
                    target, "--mapping", mapping.toString(), "--endpoint-url", dynamo.endpoint().toString(), "--state-dir", state.toString(),
                    "--segments", "4", "--page-size", "200", "--max-write-rate", "1500", "--no-progress");
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicReference<Exception> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                Random r = new Random(seed);
                try (Connection c = pg.connect("kills_db"); Statement s = c.createStatement()) {
                    while (writing.get()) {
                        long id = 1 + r.nextInt(3_000);
                        int op = r.nextInt(10);
                        s.execute(op == 0 ? "DELETE FROM integration_logs WHERE log_id = " + id
                                : "UPDATE integration_logs SET service_name = 'svc-" + r.nextInt(50) + "' WHERE log_id = " + id);
                        Thread.sleep(5);
                    }
                } catch (Exception e) {
                    writerFailure.set(e);
                }
            }, "pg-kill-writer");
            writer.start();
            int landed;
            try {
                landed = FaultSuite.killAtRandom("PostgresKillScheduleFaultIT", seed, args, state.resolve("migration.json"), dir);
            } finally {
                writing.set(false);
                writer.join();
            }
            assertTrue(writerFailure.get() == null, String.valueOf(writerFailure.get()));
            assertTrue(landed >= FaultSuite.DEFAULT_KILLS / 2, "only " + landed + " kills landed in a running child");
            FaultSuite.drainAndAssertCounted(args);
            CliRun verify = CliRun.of("verify", "--source", pg.uri("kills_db"), "--source-table", "integration_logs", "--target-table", target,
                    "--mapping", mapping.toString(), "--endpoint-url", dynamo.endpoint().toString(), "--state-dir",
                    dir.resolve("verify").toString(), "--no-progress");
            assertEquals(0, verify.exitCode(), "seed " + seed + ": " + verify.all());
            assertTrue(verify.out().contains("IDENTICAL"), verify.out());
        }
    }
}
