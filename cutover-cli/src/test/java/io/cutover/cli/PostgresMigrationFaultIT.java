package io.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cutover.faults.TcpFaultProxy;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite, PostgreSQL to DynamoDB: a child {@code cutover migrate} reaches embedded PostgreSQL
 * through a {@link TcpFaultProxy} (latency and connection resets, on the snapshot connections and the
 * replication connection alike) and writes DynamoDB through clients that fail {@value FaultSuite#RATE}
 * of their calls, while the application updates and deletes rows directly; it ends identical, with
 * every captured change counted.
 */
class PostgresMigrationFaultIT {
    @TempDir
    Path dir;

    @Test
    void aLiveMigrationThroughAFaultyNetworkAndAFaultyTargetEndsIdentical() throws Exception {
        long seed = FaultSuite.seed("PostgresMigrationFaultIT");
        LocalDynamoDb dynamo = LocalTables.shared();
        try (EmbeddedPostgresServer pg = EmbeddedPostgresServer.start()) {
            pg.createDatabase("faults_db");
            SqlEndpoint source = SqlEndpoint.parse(pg.uri("faults_db"));
            IntegrationLogs.createTable(source);
            IntegrationLogs.load(source, 3_000, seed);
            Path mapping = dir.resolve("mapping.yaml");
            Files.writeString(mapping, IntegrationLogs.resource("mapping.yaml"));
            String target = LocalTables.uniqueName("pg-faults");
            try (TcpFaultProxy proxy = TcpFaultProxy.start("127.0.0.1", pg.port(), seed).latencyMillis(1).resetRate(0.005)) {
                String viaProxy = pg.uri("faults_db").replace(":" + pg.port() + "/", ":" + proxy.port() + "/");
                Path state = dir.resolve("state");
                Path log = dir.resolve("child.log");
                AtomicBoolean writing = new AtomicBoolean(true);
                AtomicLong writes = new AtomicLong();
                Thread writer = new Thread(() -> {
                    Random r = new Random(seed);
                    try (Connection c = pg.connect("faults_db"); Statement s = c.createStatement()) {
                        while (writing.get()) {
                            long id = 1 + r.nextInt(3_000);
                            s.execute(r.nextInt(5) == 0 ? "DELETE FROM integration_logs WHERE log_id = " + id
                                    : "UPDATE integration_logs SET service_name = 'svc-" + r.nextInt(50) + "' WHERE log_id = " + id);
                            writes.incrementAndGet();
                            Thread.sleep(5);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "pg-fault-writer");
                writer.start();
                Process child = FaultSuite.migrate(FaultSuite.plan(seed), List.of("migrate", "--source", viaProxy, "--source-table",
                        "integration_logs", "--target-table", target, "--mapping", mapping.toString(), "--endpoint-url",
                        dynamo.endpoint().toString(), "--state-dir", state.toString(), "--segments", "4", "--parallelism", "1",
                        "--page-size", "200", "--max-write-rate", "1000", "--until", "drained", "--output", "json", "--no-progress"), log);
                try {
                    long until = System.nanoTime() + 90_000_000_000L;
                    while (!FaultSuite.phase(state.resolve("migration.json")).equals("IN_SYNC") && child.isAlive() && System.nanoTime() < until) {
                        Thread.sleep(50);
                    }
                    Thread.sleep(2_000);
                } finally {
                    writing.set(false);
                    writer.join();
                }
                int exit = FaultSuite.await(child, log, 300); // the drained fence waits while capture still moves (a resetting network)
                System.out.println(proxy.summary() + "; " + writes.get() + " writes");
                assertEquals(0, exit, FaultSuite.tail(log));
                FaultSuite.assertEveryChangeCounted(FaultSuite.lastJson(log));
                assertTrue(FaultSuite.injectedShare(log) >= 0.10, "DynamoDB faults under 10% of calls");
            }
            CliRun verify = CliRun.of("verify", "--source", pg.uri("faults_db"), "--source-table", "integration_logs", "--target-table", target,
                    "--mapping", mapping.toString(), "--endpoint-url", dynamo.endpoint().toString(), "--state-dir",
                    dir.resolve("verify").toString(), "--no-progress");
            assertEquals(0, verify.exitCode(), "seed " + seed + ": " + verify.all());
            assertTrue(verify.out().contains("IDENTICAL"), verify.out());
        }
    }
}
