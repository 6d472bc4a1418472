package io.cutover.cli;

import io.cutover.client.EndpointRegistry;
import io.cutover.control.SwitchBench;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.SampleItems;
import java.time.Duration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code cutover bench switch}: runs {@link SwitchBench} against DynamoDB Local started as a child process. */
final class SwitchBenchRun {
    private final int seconds;
    private final Printer printer;

    SwitchBenchRun(int seconds, Printer printer) {
        this.seconds = seconds;
        this.printer = printer;
    }

    int run() throws InterruptedException {
        if (seconds < 3 || seconds > 3600) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--steady-seconds must be between 3 and 3600 for bench switch, was " + seconds);
        }
        printer.note("Benchmark switch: starting DynamoDB Local as a child process...");
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-switch");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx1g");
             DynamoDbClient client = DynamoDbClients.create(DynamoDbEndpoint.local("bench", db.endpoint()), 16)) {
            client.createTable(SampleItems.plainTable("bench-switch-source"));
            client.createTable(SampleItems.plainTable("bench-switch-target"));
            EndpointRegistry registry = new EndpointRegistry(client, "bench-switch-registry").ensureTable();
            SwitchBench.Result r = new SwitchBench(client, registry, "bench-switch-source", "bench-switch-target", scratch.path(),
                    Duration.ofMillis(100), printer::note).run(seconds, 5);
            printer.result(r, SwitchBench::text);
            return r.goals().values().stream().allMatch(v -> v.startsWith("met")) ? 0 : 1;
        }
    }
}
