package io.cutover.cli;

import io.cutover.client.DynamoDbStore;
import io.cutover.client.EndpointRegistry;
import io.cutover.client.MigratingStore;
import io.cutover.client.Phase;
import io.cutover.client.RegistryEntry;
import io.cutover.client.RegistryWatcher;
import io.cutover.client.Store;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbClients;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover example heartbeat}: the application teams use to watch a two-way cut-over. Through a
 * {@link MigratingStore} it writes a new item every beat and increments one counter item, and appends every
 * acknowledged write to a log as a JSON line, {@code {"seq":..,"key":..,"site":..,"ackedAtMs":..}}, so that both tables
 * can be checked against the log afterwards (every beat present, the counter equal to the acknowledged increments).
 */
@Command(name = "heartbeat", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a heartbeat item and increment a counter every --interval-ms through MigratingStore, and log every"
                + " acknowledged write as a JSON line."},
        footer = {"", "Example:", "  cutover example heartbeat --app orders-service --registry-endpoint-url http://localhost:8000 \\",
                "      --endpoint-url http://localhost:8000 --interval-ms 5 --log heartbeat.jsonl"})
public final class HeartbeatExample implements Callable<Integer>, CutoverCli.PrintsResults {
    /** What a heartbeat run did, printed as text or JSON. */
    public record Result(String app, String instance, long beats, long acknowledged, long failed, long maxGapMillis, String log) {
    }

    @Option(names = "--app", required = true, paramLabel = "ID", description = "The application id in the registry.")
    String app;

    @Option(names = "--source-table", paramLabel = "NAME", description = "The source table (default: the registry entry's).")
    String sourceTable;

    @Option(names = "--target-table", paramLabel = "NAME", description = "The target table (default: the registry entry's).")
    String targetTable;

    @Option(names = "--interval-ms", paramLabel = "MS", defaultValue = "1000", description = "Pause between beats (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Option(names = "--log", paramLabel = "FILE", required = true, description = "Where every acknowledged write is appended as a JSON line.")
    Path log;

    @Option(names = "--beats", paramLabel = "N", defaultValue = "0", description = "Stop after N beats (default: run until Ctrl-C).")
    long beats;

    @Option(names = "--instance", paramLabel = "NAME", description = "This instance's name in the registry (default: host and pid).")
    String instance;

    @Option(names = "--journal-dir", paramLabel = "DIR", description = "The store's retry journals (default: .cutover/heartbeat/APP).")
    Path journalDir;

    @Mixin
    RegistryOptions registry;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    private volatile boolean stop;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws Exception {
        if (intervalMillis < 0 || beats < 0) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--interval-ms and --beats must be 0 or more");
        }
        String name = instance != null ? instance : "heartbeat-" + ProcessHandle.current().pid();
        try (DynamoDbClient registryClient = registry.client();
             DynamoDbClient source = DynamoDbClients.create(connection.source(), 8);
             DynamoDbClient target = DynamoDbClients.create(connection.target(), 8);
             StopOnSignal signal = StopOnSignal.install(() -> stop = true)) {
            EndpointRegistry endpoints = new EndpointRegistry(registryClient, registry.table);
            RegistryEntry entry = endpoints.require(app);
            try (RegistryWatcher watcher = new RegistryWatcher(endpoints, app, Duration.ofMillis(100)).start();
                 MigratingStore store = MigratingStore.builder().watcher(watcher).instance(name)
                         .source(DynamoDbStore.of(source, sourceTable != null ? sourceTable : entry.source().table()))
                         .target(DynamoDbStore.of(target, targetTable != null ? targetTable : entry.target().table()))
                         .journalDir(journalDir != null ? journalDir : Path.of(".cutover", "heartbeat", app)).build();
                 Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                Result r = beat(store, name, out);
                printer().result(r, HeartbeatExample::text);
                return r.failed() == 0 ? 0 : 1;
            }
        }
    }

    private Result beat(MigratingStore store, String name, Writer out) throws IOException, InterruptedException {
        List<String> keys = store.keyNames();
        long seq = 0;
        long acknowledged = 0;
        long failed = 0;
        long lastAck = 0;
        long maxGap = 0;
        while (!stop && (beats == 0 || seq < beats)) {
            seq++;
            String beatKey = "beat#" + name + "#" + seq;
            Map<String, AttributeValue> item = key(keys, beatKey);
            item.put("seq", AttributeValue.fromN(Long.toString(seq)));
            item.put("instance", AttributeValue.fromS(name));
            for (int write = 0; write < 2; write++) {
                try {
                    Phase ranIn;
                    String k;
                    if (write == 0) {
                        ranIn = store.putTracked(item);
                        k = beatKey;
                    } else {
                        k = "counter#" + app;
                        store.update(key(keys, k), new Store.Update("ADD #n :one", Map.of("#n", "n"), Map.of(":one", AttributeValue.fromN("1"))));
                        ranIn = store.phase();
                    }
                    long now = System.currentTimeMillis();
                    maxGap = lastAck == 0 ? 0 : Math.max(maxGap, now - lastAck);
                    lastAck = now;
                    acknowledged++;
                    out.write(String.format(Locale.ROOT, "{\"seq\":%d,\"key\":\"%s\",\"site\":\"%s\",\"ackedAtMs\":%d}%n", seq, k,
                            ranIn.primary(), now));
                    out.flush();
                } catch (CutoverException e) {
                    failed++;
                }
            }
            if (intervalMillis > 0) {
                Thread.sleep(intervalMillis);
            }
        }
        return new Result(app, name, seq, acknowledged, failed, maxGap, log.toString());
    }

    /** A key with {@code id} in the partition key and "heartbeat" in the sort key, if the table has one (string keys). */
    private static Map<String, AttributeValue> key(List<String> keyNames, String id) {
        Map<String, AttributeValue> key = new HashMap<>();
        key.put(keyNames.get(0), AttributeValue.fromS(id));
        if (keyNames.size() > 1) {
            key.put(keyNames.get(1), AttributeValue.fromS("heartbeat"));
        }
        return key;
    }

    static String text(Result r) {
        return String.format(Locale.ROOT, "%s (%s): %d beats, %d writes acknowledged, %d failed, longest gap %d ms; log %s%n", r.app(),
                r.instance(), r.beats(), r.acknowledged(), r.failed(), r.maxGapMillis(), r.log());
    }
}
