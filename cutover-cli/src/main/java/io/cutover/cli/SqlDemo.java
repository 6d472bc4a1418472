package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.verify.SqlVerification;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code cutover demo --source postgresql}: the logging example end to end on an embedded PostgreSQL and an
 * in-process DynamoDB Local, with a writer inserting, updating (key columns too) and deleting rows the whole
 * time; ends with verify (every key, and counts per day) identical and the replication slot dropped.
 */
final class SqlDemo {
    /** What the demo did. */
    record Result(String source, long rowsLoaded, double loadSeconds, long writerChanges, long keyChanges, long deletes,
                  MigrationStatus inSync, MigrationStatus complete, VerifyResult verify, List<SqlVerification.BucketCount> perDay,
                  boolean identical) {
    }

    private SqlDemo() {
    }

    static int run(int rows, Path stateDir, Printer p, boolean progress) throws Exception {
        if (rows < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--items must be at least 1, was " + rows);
        }
        p.note("Starting PostgreSQL (embedded, wal_level=logical) and DynamoDB Local in this process...");
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-demo-sql");
             EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
             LocalDynamoDb db = LocalDynamoDb.startInProcess();
             ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), progress)) {
            Path state = stateDir != null ? stateDir : scratch.path();
            SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("demo"));
            IntegrationLogs.createTable(source);
            p.note("1/6 created integration_logs on " + source.describe() + " (examples/integration-logs/schema.sql, REPLICA IDENTITY FULL)");
            long t0 = System.nanoTime();
            IntegrationLogs.load(source, rows, 1);
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            p.note(String.format(Locale.ROOT, "2/6 loaded %,d log rows in %.1f s", rows, loadSeconds));
            IntegrationLogs.Writer writer = new IntegrationLogs.Writer(source, 2, 2);
            Thread writing = new Thread(writer, "demo-sql-writer");
            writing.start();
            p.note("3/6 a writer now inserts, updates (service_name and log_timestamp too: the item moves to a new key) and deletes rows");
            Mapping mapping = Mapping.fromYaml(IntegrationLogs.resource("mapping.yaml"), "examples/integration-logs/mapping.yaml");
            DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
            SqlMigrationSettings settings = new SqlMigrationSettings(source, "integration_logs", target, "logs", mapping, state.resolve("migrate"),
                    8, 4, 1000, 16, 0, false);
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            MigrationStatus inSync;
            MigrationStatus complete;
            try (SqlMigration migration = new SqlMigration(settings)) {
                CompletableFuture<MigrationStatus> running = CompletableFuture.supplyAsync(() -> migration.run("drained", true, bar, latest::set));
                while (!running.isDone() && (latest.get() == null || !latest.get().phase().equals("IN_SYNC"))) {
                    Thread.sleep(50);
                }
                bar.finish();
                Thread.sleep(5_000);
                inSync = latest.get();
                p.note("4/6 migrate: copied the table in key ranges, applied the captured changes, now IN_SYNC: " + MigrateCommand.line(inSync));
                writer.stop();
                writing.join();
                complete = running.get();
            }
            p.note(String.format(Locale.ROOT, "5/6 writer stopped after %,d changes (%,d key moves, %,d deletes); drained; slot and publication dropped",
                    writer.writes(), writer.keyChanges(), writer.deletes()));
            SqlVerification.Result verified;
            try (SqlVerification v = new SqlVerification(source, "integration_logs", mapping, target, 16)) {
                verified = v.run("logs", VerifyOptions.defaults(), "log_timestamp:day", CopyProgress.NONE, state.resolve("verify"));
            }
            p.note("6/6 verify: every key compared, and rows per day on both sides: " + (verified.identical() ? "IDENTICAL" : "DIFFERENT"));
            Result r = new Result(source.describe(), rows, loadSeconds, writer.writes(), writer.keyChanges(), writer.deletes(), inSync, complete,
                    verified.verify(), verified.buckets(), verified.identical());
            p.result(r, x -> SqlRunner.verifyText(verified) + "Demo " + (x.identical() ? "succeeded" : "FAILED") + ": PostgreSQL integration_logs ->"
                    + " DynamoDB logs (PK ServiceName-Date, SK timestamp#id, 3 GSIs, TTL)\n");
            return r.identical() ? 0 : 1;
        }
    }
}
