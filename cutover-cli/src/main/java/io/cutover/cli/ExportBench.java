package io.cutover.cli;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.item.ItemSize;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.ExportLoader;
import io.cutover.dynamodb.TableComparison;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code cutover bench export}: in one run, on one table in a DynamoDB Local child process, (a) {@code cutover export}
 * writing the table as an export (a parallel Scan to gzip files), then, for {@code rounds} rounds in alternating order,
 * (b) the export load ({@code copy --from-export}'s engine, {@link ExportLoader}) and (c) the Scan-based copy
 * ({@code cutover copy --data-only}'s engine, {@link DynamoDbCopier}) into fresh tables: items/s, client CPU seconds per
 * million items, and the read units each took from the source table, metered on the engine's own clients with
 * {@code ReturnConsumedCapacity.TOTAL} ({@link SourceReadMeter}). Each copy is then compared item by item with the source.
 */
final class ExportBench {
    private static final String SOURCE = "bench-export-source";
    static final int UNITS = 8;

    private ExportBench() {
    }

    /**
     * One measured phase and what it read from the source table.
     *
     * @param sourceReadRequests Scan/Query/GetItem/BatchGetItem requests that named the source table
     * @param consistentReadRequests of those, the Scans with ConsistentRead
     * @param sourceReadUnits    the read capacity units DynamoDB reported for them
     */
    public record ExportPhase(BenchCommand.Phase phase, long sourceReadRequests, long consistentReadRequests, double sourceReadUnits) {
    }

    /** The benchmark's result: the phases in the order run, the checks, and the machine's load when it started and ended. */
    public record ExportBenchResult(String benchmark, long items, int itemBytes, int units, List<ExportPhase> phases,
                                    Map<String, String> goals, boolean identical, double loadAverageBefore, double loadAverageAfter) {
    }

    static int run(int items, int itemSize, int rounds, Printer p) throws Exception {
        String pad = "x".repeat(Math.max(0, itemSize - 60));
        LongFunction<Map<String, AttributeValue>> item = i -> Map.of("pk", AttributeValue.fromS("item#" + i), "sk", AttributeValue.fromS("s"),
                "n", AttributeValue.fromN(Long.toString(i)), "pad", AttributeValue.fromS(pad));
        int bytes = (int) ItemSize.billed(item.apply(1));
        double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        p.note(String.format(Locale.ROOT, "Benchmark export: %,d items of %,d bytes, %d units a side (export files / scan segments), %d round(s);"
                + " load average %.2f; starting DynamoDB Local as a child process...", items, bytes, UNITS, rounds, loadBefore));
        SourceReadMeter meter = new SourceReadMeter(SOURCE);
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-export");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g");
             AutoCloseable observing = DynamoDbClients.observeNewClients(meter)) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(endpoint, 24);
            LocalTables.create(client, SampleItems.plainTable(SOURCE));
            LocalTables.load(client, SOURCE, items, item);
            p.note("  loaded " + SOURCE);

            p.note("warm-up: export, load and Scan copy of a 10,000-item table, not measured...");
            String warm = "bench-export-warmup";
            LocalTables.create(client, SampleItems.plainTable(warm));
            LocalTables.load(client, warm, Math.min(items, 10_000), item);
            ExportResult warmExport = export(db, warm, scratch.path().resolve("warm-export"));
            load(db, client, warmExport.location(), warm + "-load", scratch.path().resolve("warm-load"));
            scanCopy(db, client, warm, warm + "-scan", scratch.path().resolve("warm-scan"));

            List<ExportPhase> phases = new ArrayList<>();
            Map<String, String> goals = new LinkedHashMap<>();
            ExportResult[] exported = new ExportResult[1];
            phases.add(metered(meter, "cutover export (Scan to " + UNITS + " files)", db, () -> {
                exported[0] = export(db, SOURCE, scratch.path().resolve("export"));
                return exported[0].items();
            }));
            p.note(line(phases.get(phases.size() - 1)));
            boolean identical = true;
            for (int round = 1; round <= rounds; round++) {
                List<String> order = round % 2 == 1 ? List.of("load", "scan") : List.of("scan", "load");
                for (String kind : order) {
                    String target = "bench-export-" + kind + "-" + round;
                    Path state = scratch.path().resolve(target);
                    ExportPhase ph = metered(meter, kind.equals("load") ? "export load (copy --from-export) r" + round
                                    : "Scan copy (cutover copy) r" + round, db,
                            () -> kind.equals("load") ? load(db, client, exported[0].location(), target, state)
                                    : scanCopy(db, client, SOURCE, target, state));
                    p.note(line(ph));
                    phases.add(ph);
                    TableComparison.Result cmp = TableComparison.compare(client, SOURCE, client, target);
                    identical &= cmp.identical();
                    goals.put(target + " identical to the source", cmp.identical() ? "met" : "MISSED " + cmp.examples());
                }
            }
            for (ExportPhase ph : phases) {
                if (ph.phase().name().startsWith("export load")) {
                    goals.put(ph.phase().name() + ": no read of the source table", ph.sourceReadRequests() == 0 ? "met"
                            : "MISSED (" + ph.sourceReadRequests() + " requests)");
                }
            }
            client.close();
            double loadAfter = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            ExportBenchResult result = new ExportBenchResult("export", items, bytes, UNITS, phases, goals, identical, loadBefore, loadAfter);
            p.result(result, ExportBench::text);
            return identical && goals.values().stream().allMatch(v -> v.startsWith("met")) ? 0 : 1;
        }
    }

    /** Measures {@code work}, counting only its own reads of the source (not the comparisons' between phases). */
    private static ExportPhase metered(SourceReadMeter meter, String name, LocalDynamoDb db, BenchCommand.Work work) throws Exception {
        meter.reset();
        BenchCommand.Phase phase = BenchCommand.measure(name, db, work);
        return new ExportPhase(phase, meter.requests(), meter.consistentRequests(), meter.units());
    }

    private static ExportResult export(LocalDynamoDb db, String table, Path to) {
        DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
        DynamoDbExporter.Settings s = new DynamoDbExporter.Settings(endpoint, table, ExportLocation.parse("--to", to.toString()), endpoint,
                ExportFormat.DYNAMODB_JSON, Optional.of(UNITS), UNITS, 0, 1000);
        try (DynamoDbExporter exporter = new DynamoDbExporter(s, CopyProgress.NONE)) {
            return exporter.run();
        }
    }

    /** The export load into a new table (created before the clock starts, as the load needs). */
    private static long load(LocalDynamoDb db, DynamoDbClient client, String location, String target, Path state) {
        LocalTables.create(client, SampleItems.plainTable(target));
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(target, target).stateDir(state).restart(true).parallelism(UNITS).writeConcurrency(0).build();
        try (ExportLoader loader = new ExportLoader(settings, target, ExportLocation.parse("--from-export", location),
                DynamoDbEndpoint.local("export", db.endpoint()), CopyProgress.NONE)) {
            return loader.run().items();
        }
    }

    /** {@code cutover copy --data-only} into a new table (created first, as for the load), {@link #UNITS} segments. */
    private static long scanCopy(LocalDynamoDb db, DynamoDbClient client, String source, String target, Path state) {
        LocalTables.create(client, SampleItems.plainTable(target));
        CopySettings settings = CopySettings.builder(DynamoDbEndpoint.local("source", db.endpoint()), DynamoDbEndpoint.local("target", db.endpoint()))
                .table(source, target).stateDir(state).restart(true).dataOnly(true).segments(UNITS).parallelism(UNITS).writeConcurrency(0)
                .build();
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, CopyProgress.NONE, List.of())) {
            return copier.run().items();
        }
    }

    private static String line(ExportPhase ph) {
        return BenchCommand.line(ph.phase()) + String.format(Locale.ROOT, "  source reads %,d requests (%,d consistent), %,.1f RCU",
                ph.sourceReadRequests(), ph.consistentReadRequests(), ph.sourceReadUnits());
    }

    static String text(ExportBenchResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nBenchmark export: %,d items of %,d bytes on DynamoDB Local (child"
                + " process, loopback), %d units a side; load average %.2f before, %.2f after%n", r.items(), r.itemBytes(), r.units(),
                r.loadAverageBefore(), r.loadAverageAfter()));
        r.phases().forEach(ph -> b.append(line(ph)).append('\n'));
        r.goals().forEach((k, v) -> b.append("  check ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
