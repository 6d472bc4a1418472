package io.cutover.cli;

import io.cutover.core.copy.WriteOutcome;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.CopyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbCopier;
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
 * {@code cutover demo}: a real copy on embedded defaults. Starts DynamoDB Local in this process (no
 * Docker, no AWS account), fills a source table that has a GSI, an LSI and TTL with varied
 * items of every type, copies it with the same code as {@code cutover copy}, and proves the two
 * tables identical item by item.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a real copy on an embedded DynamoDB Local: no AWS account, no Docker.",
                "Creates a source table with a GSI, an LSI and TTL, fills it with varied items of every type,",
                "copies it with 'cutover copy', and proves both tables identical."})
public final class DemoCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    static final String SOURCE = "demo-orders";
    static final String TARGET = "demo-orders-copy";

    @Option(names = "--items", paramLabel = "N", defaultValue = "20000", description = "Items in the source table (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Where the copy keeps its state (default: a new temporary directory).")
    Path stateDir;




    /** What the demo did, printed as text or JSON. */
    public record DemoResult(String endpoint, String sourceTable, String targetTable, long itemsLoaded, double loadSeconds,
                             CopyResult copy, TableComparison.Result comparison, boolean identical) {
    }

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws IOException {
        if (items < 1) {
            throw new io.cutover.core.CutoverException(io.cutover.core.ErrorCode.CONFIG_INVALID, "--items must be at least 1, was " + items);
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
            client.createTable(SampleItems.ordersTable(SOURCE));
            client.updateTimeToLive(b -> b.tableName(SOURCE).timeToLiveSpecification(t -> t.attributeName("expiresAt").enabled(true)));
            p.note("1/4 created " + SOURCE + ": keys pk, sk; GSI byStatus; LSI byTotal; TTL on expiresAt");

            long loadStart = System.nanoTime();
            load(client, endpoint, state, bar);
            double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
            bar.finish();
            p.note(String.format(Locale.ROOT, "2/4 loaded %,d items of every DynamoDB type (38-digit numbers, 32-level nesting, 300 KB items) in %.1f s",
                    items, loadSeconds));

            CopySettings settings = CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                    .table(SOURCE, TARGET).stateDir(state.resolve("copy")).restart(true).build();
            CopyResult copy;
            try (DynamoDbCopier copier = new DynamoDbCopier(settings, bar, List.of())) {
                copy = copier.run();
            }
            p.note(String.format(Locale.ROOT, "3/4 copied %s -> %s: %,d items in %.1f s (%,.0f items/s), %d retries",
                    SOURCE, TARGET, copy.items(), copy.seconds(), copy.itemsPerSecond(), copy.retries()));

            TableComparison.Result cmp = TableComparison.compare(client, SOURCE, client, TARGET);
            p.note(String.format(Locale.ROOT, "4/4 compared both tables item by item: %s (%,d source, %,d target; %d missing, %d extra, %d different)",
                    cmp.identical() ? "identical" : "DIFFERENT", cmp.sourceItems(), cmp.targetItems(), cmp.missing(), cmp.extra(),
                    cmp.different()));
            client.close();
            DemoResult result = new DemoResult(db.endpoint().toString(), SOURCE, TARGET, items, loadSeconds, copy, cmp, cmp.identical());
            p.result(result, r -> (r.identical() ? "Demo complete: the copy is identical to the source." : "Demo FAILED: the tables differ: "
                    + r.comparison().examples()) + "\n");
            return cmp.identical() ? 0 : 1;
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
