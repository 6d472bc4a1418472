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

    int run(boolean live, int cycles) throws Exception {
        if (seconds < 3 || seconds > 3600) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--steady-seconds must be between 3 and 3600 for bench switch, was " + seconds);
        }
        if (live && (cycles < 1 || cycles > 100)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--cycles must be between 1 and 100 for bench switch --live, was " + cycles);
        }
        int forced = runForced();
        return live ? Math.max(forced, runLive(cycles)) : forced;
    }

    /** The forced-gates run: the fence of each handover measured alone, one DynamoDB Local server. */
    private int runForced() throws InterruptedException {
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

    /** The live run: two DynamoDB Local servers (a stream on each side), the registry beside the source, nothing forced. */
    private int runLive(int cycles) throws Exception {
        printer.note("Benchmark switch --live: starting two DynamoDB Local servers as child processes...");
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-switch-live");
             LocalDynamoDb a = LocalDynamoDb.startChildProcess("-Xmx1g");
             LocalDynamoDb b = LocalDynamoDb.startChildProcess("-Xmx1g");
             DynamoDbClient sourceClient = DynamoDbClients.create(DynamoDbEndpoint.local("source", a.endpoint()), 16);
             DynamoDbClient targetClient = DynamoDbClients.create(DynamoDbEndpoint.local("target", b.endpoint()), 16)) {
            sourceClient.createTable(SampleItems.withStream(SampleItems.plainTable("bench-live-source")));
            EndpointRegistry registry = new EndpointRegistry(sourceClient, "bench-live-registry").ensureTable();
            io.cutover.control.LiveSwitchBench.Result r = new io.cutover.control.LiveSwitchBench(DynamoDbEndpoint.local("source", a.endpoint()),
                    DynamoDbEndpoint.local("target", b.endpoint()), sourceClient, targetClient, registry, "bench-live-source",
                    "bench-live-target", scratch.path(), Duration.ofMillis(100), printer::note).run(cycles, 5);
            printer.result(r, io.cutover.control.LiveSwitchBench::text);
            return r.goals().values().stream().allMatch(v -> v.startsWith("met")) ? 0 : 1;
        }
    }
}
