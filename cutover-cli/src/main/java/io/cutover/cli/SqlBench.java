package io.cutover.cli;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.sql.demo.EmbeddedPostgresServer;
import io.cutover.sql.demo.IntegrationLogs;
import io.cutover.sql.mapping.Mapping;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.migrate.SqlMigration;
import io.cutover.sql.migrate.SqlMigrationSettings;
import io.cutover.sql.migrate.SqlTargetTable;
import io.cutover.sql.source.KeyRangeUnit;
import io.cutover.sql.source.KeyRanges;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover bench sql}: the logging example on an embedded PostgreSQL and a DynamoDB Local child
 * process. Measures, in one run: (a) the write ceiling, a raw 16-thread BatchWriteItem load of the mapped
 * items (built before the clock starts); (b) the backfill (key ranges, keyset pages, mapping, writes);
 * (c) steady-state lag, source commit to DynamoDB acknowledgement, under a writer at a fixed pace.
 */
final class SqlBench {
    /** The benchmark's figures. */
    record Result(long rows, double ceilingItemsPerSecond, double backfillRowsPerSecond, double backfillToCeiling, double writerChangesPerSecond,
                  long lagP50Millis, long lagP99Millis, long lagMaxMillis, long changesMeasured) {
    }

    private SqlBench() {
    }

    private static void rawLoad(DynamoDbClient client, String table, List<Map<String, AttributeValue>> items, int writers) {
        LocalTables.writeInParallel(client, table, items, writers);
    }

    static int run(int rows, int steadySeconds, int writers, Printer p) throws Exception {
        p.note(String.format(Locale.ROOT, "Benchmark sql: %,d rows of the logging example; starting PostgreSQL and DynamoDB Local (child process)...", rows));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-sql");
             EmbeddedPostgresServer pg = EmbeddedPostgresServer.start();
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g")) {
            SqlEndpoint source = SqlEndpoint.parse(pg.createDatabase("bench"));
            IntegrationLogs.createTable(source);
            IntegrationLogs.load(source, rows, 9);
            Mapping mapping = Mapping.fromYaml(IntegrationLogs.resource("mapping.yaml"), "mapping.yaml");
            DynamoDbEndpoint target = DynamoDbEndpoint.local("target", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(target, writers + 8);

            // (a) ceiling: the same items, raw.
            SqlTable table = new SqlTable(source, "integration_logs");
            RowMapper mapper = mapping.bind(table.schema());
            List<Map<String, AttributeValue>> items = new ArrayList<>(rows);
            for (KeyRangeUnit u : KeyRanges.units(table, mapper, List.of(), 5_000, null)) {
                List<Object> last = null;
                while (true) {
                    List<Map<String, Object>> page = u.readRows(last);
                    page.forEach(r -> items.add(mapper.item(r)));
                    if (page.size() < 5_000) {
                        break;
                    }
                    last = Arrays.asList(page.get(page.size() - 1).get("log_id"));
                }
                u.close();
            }
            // A warm-up load first (DynamoDB Local's JIT), into its own table, then the measured one.
            SqlTargetTable.create(client, mapping, "warmup", io.cutover.core.retry.RetryPolicy.defaults(), new io.cutover.dynamodb.DynamoDbErrorClassifier(target));
            rawLoad(client, "warmup", items.subList(0, Math.min(items.size(), 5_000)), writers);
            SqlTargetTable.create(client, mapping, "ceiling", io.cutover.core.retry.RetryPolicy.defaults(), new io.cutover.dynamodb.DynamoDbErrorClassifier(target));
            long t0 = System.nanoTime();
            rawLoad(client, "ceiling", items, writers);
            double ceiling = items.size() / ((System.nanoTime() - t0) / 1e9);
            p.note(String.format(Locale.ROOT, "ceiling: raw BatchWriteItem of the %,d mapped items, %d threads: %,.0f items/s", items.size(), writers, ceiling));
            items.clear();

            // (b) backfill through migrate.
            Path state = scratch.path().resolve("migrate");
            SqlMigrationSettings settings = new SqlMigrationSettings(source, "integration_logs", target, "logs", mapping, state, 16, 8, 1000,
                    writers, 0, false);
            double backfillRate;
            try (SqlMigration m = new SqlMigration(settings)) {
                long b0 = System.nanoTime();
                MigrationStatus s = m.run("backfill", false, CopyProgress.NONE, x -> { });
                backfillRate = s.backfillItems() / ((System.nanoTime() - b0) / 1e9);
                p.note(String.format(Locale.ROOT, "backfill: %,d rows in key ranges: %,.0f rows/s (%.0f%% of the ceiling; includes starting"
                        + " capture and reading PostgreSQL)", s.backfillItems(), backfillRate, 100 * backfillRate / ceiling));
            }

            // (c) steady-state lag with a writer at a fixed pace.
            IntegrationLogs.Writer writer = new IntegrationLogs.Writer(source, 3, 4);
            ConcurrentLinkedQueue<Long> lags = new ConcurrentLinkedQueue<>();
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            long measured;
            double writerRate;
            try (SqlMigration m = new SqlMigration(settings)) {
                AtomicLong measuring = new AtomicLong(Long.MAX_VALUE);
                m.onApplied((c, at) -> {
                    if (c.sourceTimeMillis() >= measuring.get()) {
                        lags.add(at - c.sourceTimeMillis());
                    }
                });
                CompletableFuture<MigrationStatus> running = CompletableFuture.supplyAsync(() -> m.run(null, false, CopyProgress.NONE, latest::set));
                Thread w = new Thread(writer, "bench-writer");
                w.start();
                while (latest.get() == null || !latest.get().phase().equals("IN_SYNC")) {
                    Thread.sleep(50);
                }
                Thread.sleep(2_000);
                long w0 = writer.writes();
                measuring.set(System.currentTimeMillis());
                long s0 = System.nanoTime();
                Thread.sleep(steadySeconds * 1000L);
                writerRate = (writer.writes() - w0) / ((System.nanoTime() - s0) / 1e9);
                measuring.set(Long.MAX_VALUE);
                writer.stop();
                w.join();
                m.requestStop();
                running.get();
            }
            List<Long> sorted = new ArrayList<>(lags);
            sorted.sort(null);
            measured = sorted.size();
            long p50 = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
            long p99 = sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) (sorted.size() * 0.99)));
            long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
            p.note(String.format(Locale.ROOT, "steady state: writer %,.0f changes/s for %d s; lag source commit -> DynamoDB ack p50 %d ms, p99 %d ms,"
                    + " max %d ms over %,d changes", writerRate, steadySeconds, p50, p99, max, measured));
            Result r = new Result(rows, ceiling, backfillRate, backfillRate / ceiling, writerRate, p50, p99, max, measured);
            p.result(r, x -> String.format(Locale.ROOT, "Result: backfill %,.0f rows/s = %.0f%% of the write ceiling (%,.0f items/s);"
                    + " steady-state lag p50 %d ms, p99 %d ms at %,.0f changes/s (shared machine: figures are noisy)%n",
                    x.backfillRowsPerSecond(), 100 * x.backfillToCeiling(), x.ceilingItemsPerSecond(), x.lagP50Millis(), x.lagP99Millis(),
                    x.writerChangesPerSecond()));
            return 0;
        }
    }
}
