package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.item.ItemSize;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.VerifyResult;
import io.cutover.core.verify.VerifyOptions;
import io.cutover.dynamodb.DynamoDbVerification;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbCopier;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@code cutover bench copy}: measures the copy against two baselines in one run, on a DynamoDB Local
 * started as a child process on a loopback port (so that its CPU and memory are not counted as
 * Cutover's): (a) the write ceiling, the fastest raw BatchWriteItem load of the items (which also
 * fills the source table), (b) {@code cutover copy} of those items, (c) a naive copy (one sequential
 * Scan, 25-item batches, one thread). Prints items/s, ratios, CPU seconds and peak heap.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmarks against DynamoDB Local, with baselines measured in the same run.",
                "  copy    write ceiling vs cutover copy vs naive copy",
                "  verify  raw parallel scan of both tables vs cutover verify",
                "  migrate backfill, catch-up and steady-state lag under a fixed-rate writer vs a bare stream reader",
                "  soak    IN_SYNC under a writer for --changes changes: apply cost, heap, change log size and lag every 100,000",
                "  mongodb MongoDB backfill documents/s vs the DynamoDB Local write ceiling and the source's read rate",
                "  sql     PostgreSQL backfill rows/s and steady-state lag vs the DynamoDB Local write ceiling (docs/sql.md)",
                "  sql-sql PostgreSQL <-> MariaDB: changes/s applied each way vs a raw JDBC writer, lag p50/p99 at --write-rate (--mariadb URI)",
                "  switch  a heartbeat writer through the client library: longest gap and failed writes while switching vs no switch",
                "  reverse changes/s the reverse direction applies into the old store (--into) vs a raw writer into it; reverse lag",
                "  startup how long cutover copy takes to its first write as a new process, with and without the class-data-sharing archive",
                "  restore changes replayed/s and items restored/s of a point-in-time restore vs the write ceiling; archive bytes per change",
                "  export  cutover export, then the export load vs a Scan-based copy of the same table: items/s, CPU, source read units"})
public final class BenchCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Parameters(index = "0", paramLabel = "WHAT", description = "What to benchmark: copy, verify, migrate, soak, mongodb, sql, sql-sql, switch, restore, reverse, startup or export.")
    String what;

    @Option(names = "--items", paramLabel = "N", defaultValue = "100000", description = "Items in the table (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--item-size", paramLabel = "BYTES", defaultValue = "1024", description = "Approximate item size (default: ${DEFAULT-VALUE}).")
    int itemSize;

    @Option(names = "--shape", paramLabel = "plain|rich|both", defaultValue = "both", description = {"copy, verify: which item shapes to measure"
            + " (default: ${DEFAULT-VALUE}); one shape halves the run when you look into one of them."})
    String shape;

    @Option(names = "--shared-server", description = {"copy: the source and target tables on one DynamoDB Local. By default the source"
            + " has a server of its own, as in production, where another table is served by other machines; on one server the copy's Scan"
            + " competes with its writes for that server's lock."})
    boolean sharedServer;

    @Option(names = "--skip-naive", description = "Skip the naive baseline (it is slow on large tables).")
    boolean skipNaive;

    @Option(names = "--memory", description = {"copy: instead of the ceilings, copy a table of --items/10 plain items and one of --items",
            "(for example 1000000) with the default flags, and compare the copy's live heap after GC (issue 16: flat as the table grows)."})
    boolean memory;

    @Option(names = "--write-rate", paramLabel = "CHANGES/S", defaultValue = "500", description = "migrate, reverse: the writer's fixed rate (default: ${DEFAULT-VALUE}).")
    int writeRate;

    @Option(names = "--steady-seconds", paramLabel = "S", defaultValue = "15", description = "migrate: how long to measure steady-state lag and the floor; switch: how long each run lasts (default: ${DEFAULT-VALUE}).")
    int steadySeconds;

    @Option(names = "--live", description = "switch: also run the cut-over with nothing forced: forward and reverse migrations on two"
            + " DynamoDB Local servers, gates on, to TARGET_ONLY and failback --cycles times.")
    boolean live;

    @Option(names = "--cycles", paramLabel = "N", defaultValue = "3", description = "switch --live: walks to TARGET_ONLY and back (default: ${DEFAULT-VALUE}).")
    int cycles;

    @Option(names = "--changes", paramLabel = "N", description = {"soak: changes to apply in IN_SYNC (default: 2000000);",
            "restore: changes archived after the base and replayed (default: as many as --items)."})
    Long changes;

    @Option(names = "--log-retention", paramLabel = "DURATION", defaultValue = "60s", description = "soak: the change log's retention of applied changes (default: ${DEFAULT-VALUE}).")
    String logRetention;

    @Option(names = "--mariadb", paramLabel = "URI", description = "sql-sql: the MariaDB to replicate with (mariadb://user:password@host:port/db;"
            + " binlog on, ROW format, FULL images); PostgreSQL is started embedded.")
    String mariadb;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "5", description = "startup: timed runs per mode (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--into", paramLabel = "postgresql|mariadb|mongodb", description = "reverse: the old store the changes go back into.")
    String into;

    @Option(names = "--into-uri", paramLabel = "URI", description = {"reverse: a server to write into instead of the embedded one"
            + " (needed for mariadb: mariadb://user:password@host:3306/db; the table bench_reverse is dropped and created)."})
    String intoUri;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "2", description = {"copy, verify: rounds of every phase; each phase reports its fastest round."
            + " export: rounds of export load and Scan copy, in alternating order (default: ${DEFAULT-VALUE})."})
    int rounds;

    @Option(names = "--writers", paramLabel = "N", defaultValue = "16", description = "Threads of the raw ceiling loader and copy write concurrency (default: ${DEFAULT-VALUE}).")
    int writers;



    /** One measured phase. */
    /**
     * @param peakHeapMiB     the most heap in use at any sample, garbage included
     * @param peakLiveHeapMiB the most heap in use right after a garbage collection: what the work really holds
     * @param jitSeconds      of the client CPU, what the JIT compiler threads used: a path measured before it is warm pays
     *                        for its own compilation, which a long run does not
     * @param gcCpuSeconds    of the client CPU, what the garbage collector's threads spent
     */
    public record Phase(String name, long items, double seconds, double itemsPerSecond, double clientCpuSeconds,
                        double clientCpuSecondsPerMillion, double serverCpuSeconds, long peakHeapMiB, long peakLiveHeapMiB,
                        long liveHeapAfterMiB, double jitSeconds, double gcCpuSeconds) {
        /** Client CPU per million items without the JIT's compilation: the cost of the work once its code is compiled. */
        public double compiledCpuSecondsPerMillion() {
            return items == 0 ? 0 : Math.max(0, clientCpuSeconds - jitSeconds) / items * 1e6;
        }
    }

    /** The benchmark's result. */
    public record BenchResult(String benchmark, long items, int itemBytes, List<Phase> phases, double toCeiling,
                              Double toNaive, boolean identical, Map<String, String> goals) {
    }

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws Exception {
        if ("sql".equals(what)) {
            return SqlBench.run(items, steadySeconds, writers, printer());
        }
        if ("sql-sql".equals(what)) {
            return SqlPairBench.run(mariadb, changes != null ? changes.intValue() : 20_000, (int) writeRate, steadySeconds,
                    writers, printer());
        }
        if ("startup".equals(what)) {
            return new StartupBench(Math.max(1, runs), printer()).run();
        }
        if ("reverse".equals(what)) {
            return ReverseBench.run(into, intoUri, items, writers, writeRate, steadySeconds, printer());
        }
        if ("switch".equals(what)) {
            return new SwitchBenchRun(steadySeconds, printer()).run(live, cycles);
        }
        if ("mongodb".equals(what)) {
            return MongoBench.run(items, writers, printer());
        }
        if ("soak".equals(what)) {
            long soakChanges = changes != null ? changes : 2_000_000;
            if (soakChanges < 100_000) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--changes must be at least 100000 for soak (it reports every 100,000)");
            }
            return new MigrateBench(items, sizedSample(), writeRate, steadySeconds, printer())
                    .soak(soakChanges, MigrateCommand.duration("--log-retention", logRetention));
        }
        if ("restore".equals(what)) {
            if (items < 1 || itemSize < 600 || itemSize > 350_000) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--items must be at least 1 and --item-size between 600 and 350000");
            }
            return new RestoreBench(items, changes != null ? changes : items, sizedSample(), writers, printer()).run();
        }
        if ("export".equals(what)) {
            if (items < 1 || itemSize < 100 || itemSize > 350_000 || rounds < 1 || rounds > 10) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--items must be at least 1, --item-size between 100 and 350000 and --rounds"
                        + " between 1 and 10");
            }
            return ExportBench.run(items, itemSize, rounds, printer());
        }
        if (!"copy".equals(what) && !"verify".equals(what) && !"migrate".equals(what)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "unknown benchmark '" + what + "': the benchmarks are: copy, verify, migrate, soak, mongodb, sql, sql-sql, switch, restore, reverse, startup, export");
        }
        if ("migrate".equals(what)) {
            return new MigrateBench(items, sizedSample(), writeRate, steadySeconds, printer()).run();
        }
        if (items < 1 || itemSize < 600 || itemSize > 350_000) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--items must be at least 1 and --item-size between 600 and 350000");
        }
        if ("verify".equals(what)) {
            return benchVerify();
        }
        return memory ? benchCopyMemory() : benchCopy();
    }

    /**
     * Copy memory: the same copy (default flags, plain items) of a table of {@code items / 10} items and of one of
     * {@code items}, each loaded unmeasured into a fresh table and dropped after, so that only the copy's own memory is
     * compared. The copy holds a bounded number of Scan pages per segment, so its live heap after GC must not grow with
     * the table: the goal is the larger copy within 1.25x (plus 16 MiB of measuring noise) of the smaller.
     */
    private int benchCopyMemory() throws Exception {
        Printer p = printer();
        java.util.function.LongFunction<Map<String, AttributeValue>> plain = plainItems();
        long small = Math.max(1, items / 10);
        p.note(String.format(Locale.ROOT, "Benchmark copy memory: copies of %,d and %,d plain items of about %,d bytes with the default flags;"
                + " starting DynamoDB Local as a child process...", small, (long) items, itemSize));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g")) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(endpoint, 24);
            List<Phase> phases = new ArrayList<>();
            boolean identical = true;
            for (long n : new long[] {small, items}) {
                String source = "bench-memory-" + n;
                client.createTable(SampleItems.plainTable(source));
                p.note(String.format(Locale.ROOT, "loading %,d items (not measured)...", n));
                rawLoad(client, source, plain, null, 16, n);
                CopySettings settings = CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                        .table(source, source + "-copy").stateDir(scratch.path().resolve("memory-" + n)).restart(true).writeConcurrency(0).build();
                Phase copy = measure(String.format(Locale.ROOT, "cutover copy plain, %,d items", n), db, () -> {
                    try (DynamoDbCopier copier = new DynamoDbCopier(settings, io.cutover.core.copy.CopyProgress.NONE, List.of())) {
                        return copier.run().items();
                    }
                });
                p.note(line(copy));
                phases.add(copy);
                identical &= copy.items() == n;
                client.deleteTable(b -> b.tableName(source));
                client.deleteTable(b -> b.tableName(source + "-copy"));
            }
            client.close();
            Phase first = phases.get(0);
            Phase last = phases.get(1);
            double growth = (double) last.peakLiveHeapMiB() / Math.max(1, first.peakLiveHeapMiB());
            Map<String, String> goals = new LinkedHashMap<>();
            goals.put(String.format(Locale.ROOT, "live heap after GC flat from %,d to %,d items (within 1.25x + 16 MiB)", small, (long) items),
                    String.format(Locale.ROOT, "%s (%,d MiB -> %,d MiB, %.2fx)",
                            last.peakLiveHeapMiB() <= first.peakLiveHeapMiB() * 1.25 + 16 ? "met" : "MISSED",
                            first.peakLiveHeapMiB(), last.peakLiveHeapMiB(), growth));
            goals.put("every item copied", identical ? "met" : "MISSED");
            BenchResult result = new BenchResult("copy-memory", items, itemSize, phases, growth, null, identical, goals);
            p.result(result, BenchCommand::text);
            return identical ? 0 : 1;
        }
    }

    /** Items of each warm-up round. */
    static final long WARM_UP_ITEMS = 20_000;
    /** Warm-up rounds at most, and the JIT's share of a round's client CPU under which the JVM counts as warm. */
    static final int WARM_UP_MAX_ROUNDS = 8;
    static final double WARM_UP_QUIET_JIT_SHARE = 0.05;

    /**
     * Runs {@code round} (every path the benchmark then measures, on {@code warmItems} items) until the JIT compiler threads
     * used less than {@link #WARM_UP_QUIET_JIT_SHARE} of the round's client CPU, two rounds at least and
     * {@link #WARM_UP_MAX_ROUNDS} at most, and says how many it took.
     */
    private static void warmUp(Printer p, long warmItems, WarmUpRound round) throws Exception {
        p.note(String.format(Locale.ROOT, "warm-up: every measured path on %,d items until the JIT is quiet, not measured...", warmItems));
        double share = 1;
        int rounds = 0;
        while (rounds < WARM_UP_MAX_ROUNDS && (rounds < 2 || share >= WARM_UP_QUIET_JIT_SHARE)) {
            ThreadCpu jit0 = ThreadCpu.now(ThreadCpu.JIT);
            double cpu0 = processCpuSeconds();
            round.run();
            rounds++;
            share = ThreadCpu.now(ThreadCpu.JIT).since(jit0) / Math.max(1e-3, processCpuSeconds() - cpu0);
        }
        p.note(String.format(Locale.ROOT, "  warm after %d rounds (the JIT's share of the last: %.0f%%)", rounds, share * 100));
    }

    /** The concurrency levels the raw writer is tried at; the best is the ceiling (issue 16: a weak baseline flatters). */
    static final int[] CEILING_LEVELS = {8, 16, 32, 64};

    /**
     * Copy: for two item shapes in one run, plain (a key, a number and a padded string, as many real tables hold) and rich
     * (every DynamoDB type), the raw writer at every level of {@link #CEILING_LEVELS} (the best is the ceiling), then
     * {@code cutover copy} with its default flags (self-tuning write concurrency), then the naive copy of the rich table.
     */
    private int benchCopy() throws Exception {
        List<String> shapes = shapes();
        int readers = experimentReaders();
        Printer p = printer();
        SampleItems rich = sizedSample();
        java.util.function.LongFunction<Map<String, AttributeValue>> plain = plainItems();
        p.note(String.format(Locale.ROOT, "Benchmark copy: %,d items of about %,d bytes, two shapes, ceilings at %s requests in flight;"
                + " starting DynamoDB Local as a child process%s...", items, ItemSize.billed(rich.item(1)), java.util.Arrays.toString(CEILING_LEVELS),
                sharedServer ? " (source and target on it)" : " for the target and one for the source"));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g");
             LocalDynamoDb sourceDb = sharedServer ? null : LocalDynamoDb.startChildProcess("-Xmx4g")) {
            // The target's server takes every write; the source's (the same one with --shared-server) every Scan. Server CPU is both's.
            List<LocalDynamoDb> servers = sourceDb == null ? List.of(db) : List.of(db, sourceDb);
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", (sourceDb == null ? db : sourceDb).endpoint());
            DynamoDbEndpoint targetEndpoint = DynamoDbEndpoint.local("target", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(targetEndpoint, CEILING_LEVELS[CEILING_LEVELS.length - 1] + 8);
            DynamoDbClient sourceClient = sourceDb == null ? client : DynamoDbClients.create(endpoint, CEILING_LEVELS[CEILING_LEVELS.length - 1] + 8);
            List<Phase> phases = new ArrayList<>();
            Map<String, String> goals = new LinkedHashMap<>();
            double worst = Double.MAX_VALUE;
            boolean identical = true;
            Phase richCopy = null;
            // Warm-up, not reported: every measured path (raw writer, copy, raw copy script) runs until the JIT is quiet, so that
            // no phase pays for compiling its own code (at 100,000 items that was up to half a phase's client CPU), which a copy
            // of a real table does not.
            long warmItems = Math.min(items, WARM_UP_ITEMS);
            int[] warmRound = {0};
            for (String warmShape : List.of("plain", "rich")) { // a table per shape: their keys differ
                sourceClient.createTable(SampleItems.plainTable("bench-warmup-" + warmShape));
                client.createTable(SampleItems.plainTable("bench-warmup-" + warmShape + "-raw"));
            }
            warmUp(p, warmItems, () -> {
                boolean plainRound = warmRound[0]++ % 2 == 0;
                String warmSource = plainRound ? "bench-warmup-plain" : "bench-warmup-rich";
                rawLoad(sourceClient, warmSource, plainRound ? plain : rich::item, null, 32, warmItems);
                copyTable(endpoint, targetEndpoint, warmSource, warmSource + "-copy", scratch.path().resolve("warmup"), c -> c.writeConcurrency(0));
                rawCopy(sourceClient, client, warmSource, warmSource + "-raw", RAW_COPY_SCANNERS, 32);
            });
            for (String shape : shapes) {
                java.util.function.LongFunction<Map<String, AttributeValue>> itemAt = shape.equals("plain") ? plain : rich::item;
                String source = "bench-" + shape;
                sourceClient.createTable(SampleItems.plainTable(source));
                List<List<WriteRequest>> prebuilt = items <= PREBUILD_LIMIT ? prebuild(itemAt) : null;
                p.note(String.format(Locale.ROOT, "%s: loading the source table, not measured...", shape));
                rawLoad(sourceClient, source, itemAt, prebuilt, 32, items);
                // Every measured phase writes into a table of its own, created empty before it and dropped after it, so that no
                // phase overwrites what another wrote; each phase runs once a round and reports its fastest round.
                Map<String, Phase> fastest = new LinkedHashMap<>();
                String copyName = "cutover copy " + shape + " " + DEFAULT_FLAGS;
                String differences = "";
                for (int r = 1; r <= rounds; r++) {
                    String round = "-r" + r;
                    for (int level : CEILING_LEVELS) {
                        String into = source + "-writer-x" + level + round;
                        client.createTable(SampleItems.plainTable(into));
                        keepFastest(p, r, fastest, measure("ceiling " + shape + ": raw writer x" + level, servers,
                                () -> rawLoad(client, into, itemAt, prebuilt, level, items)));
                        client.deleteTable(b -> b.tableName(into));
                    }
                    for (MeasuredCopy x : copies(fastest, shape, readers)) { // the default copy, then those asked for by environment variables
                        String into = source + x.suffix() + round;
                        keepFastest(p, r, fastest, measure("cutover copy " + shape + " " + x.flagsShown(), servers,
                                () -> copyTable(endpoint, targetEndpoint, source, into, scratch.path().resolve(shape + x.suffix() + round), x.flags())));
                        TableComparison.Result same = TableComparison.compare(sourceClient, source, client, into);
                        identical &= same.identical();
                        if (!same.identical()) {
                            differences = String.join("; ", differences, "round " + r + ", " + x.flagsShown() + ": " + same.examples());
                        }
                        client.deleteTable(b -> b.tableName(into));
                    }
                    // Like for like: the fastest copy script we can write with the raw SDK (parallel Scan, a pool of raw writers, no
                    // checkpoints, no accounting) at several writer levels. The raw writer above only writes; a copy also scans
                    // its source, on the same cores (and, with --shared-server, on the same server).
                    for (int writers : RAW_COPY_LEVELS) {
                        String into = source + "-raw-copy-x" + writers + round;
                        client.createTable(SampleItems.plainTable(into));
                        keepFastest(p, r, fastest, measure("ceiling " + shape + ": raw copy, scan x" + RAW_COPY_SCANNERS + " + writer x" + writers,
                                servers, () -> {
                                    long n = rawCopy(sourceClient, client, source, into, RAW_COPY_SCANNERS, writers);
                                    if (n != items) {
                                        throw new IllegalStateException("the raw copy script copied " + n + " of " + items + " items");
                                    }
                                    return n;
                                }));
                        client.deleteTable(b -> b.tableName(into));
                    }
                }
                phases.addAll(fastest.values());
                Phase best = fastestOf(fastest, "ceiling " + shape + ": raw writer");
                Phase bestRawCopy = fastestOf(fastest, "ceiling " + shape + ": raw copy");
                Phase copy = fastest.get(copyName);
                double ratio = copy.itemsPerSecond() / best.itemsPerSecond();
                double cpu = copy.clientCpuSecondsPerMillion() / best.clientCpuSecondsPerMillion();
                double toRawCopy = copy.itemsPerSecond() / bestRawCopy.itemsPerSecond();
                double cpuToRawCopy = copy.clientCpuSecondsPerMillion() / bestRawCopy.clientCpuSecondsPerMillion();
                double rawCopyToWriter = bestRawCopy.itemsPerSecond() / best.itemsPerSecond();
                worst = Math.min(worst, ratio);
                double goal = shape.equals("plain") ? 0.90 : 0.95;
                // Like for like: the best raw copy script scans and writes as the copy does, on the same servers and cores.
                goals.put(String.format(Locale.ROOT, "%s: copy >= %.0f%% of the best raw copy script (%s)", shape, goal * 100, bestRawCopy.name()),
                        String.format(Locale.ROOT, "%s (%.0f%%)", toRawCopy >= goal ? "met" : "MISSED", toRawCopy * 100));
                goals.put(String.format(Locale.ROOT, "%s: client CPU per million within 1.2x the best raw copy script's", shape),
                        String.format(Locale.ROOT, "%s (%.2fx)", cpuToRawCopy <= 1.2 ? "met" : "MISSED", cpuToRawCopy));
                // Against the write-only ceiling (issue 16's first form): the raw writer neither scans nor parses a page, so no copy
                // reaches it where the Scan takes the same cores; the raw copy script's own share says how far any copy gets.
                goals.put(String.format(Locale.ROOT, "%s: copy >= %.0f%% of the best raw writer (%s), which does not scan", shape, goal * 100,
                        best.name()), String.format(Locale.ROOT, "%s (%.0f%%; the best raw copy script: %.0f%%)", ratio >= goal ? "met" : "MISSED",
                        ratio * 100, rawCopyToWriter * 100));
                goals.put(String.format(Locale.ROOT, "%s: client CPU per million within 1.2x the raw writer's, which does not scan", shape),
                        String.format(Locale.ROOT, "%s (%.2fx; the best raw copy script: %.2fx)", cpu <= 1.2 ? "met" : "MISSED", cpu,
                                bestRawCopy.clientCpuSecondsPerMillion() / best.clientCpuSecondsPerMillion()));
                goals.put(shape + ": copy identical to source", differences.isEmpty() ? "met" : "MISSED" + differences);
                if (shape.equals("rich")) {
                    richCopy = copy;
                }
            }
            Double toNaive = null;
            if (!skipNaive && shapes.contains("rich")) {
                client.createTable(SampleItems.plainTable("bench-naive"));
                Phase naive = measure("naive copy rich: 1 scan, 1 writer", servers, () -> naiveCopy(sourceClient, client, "bench-rich"));
                p.note(line(naive));
                phases.add(naive);
                toNaive = richCopy.itemsPerSecond() / naive.itemsPerSecond();
            }
            client.close();
            sourceClient.close();
            BenchResult result = new BenchResult("copy", items, (int) ItemSize.billed(rich.item(1)), phases, worst, toNaive, identical, goals);
            p.result(result, BenchCommand::text);
            return identical ? 0 : 1;
        }
    }

    /** A phase measured in round {@code round}: printed, and kept when it is the fastest of its name so far. */
    private static void keepFastest(Printer p, int round, Map<String, Phase> fastest, Phase ph) {
        p.note("round " + round + ": " + line(ph).strip());
        fastest.merge(ph.name(), ph, (a, b) -> b.itemsPerSecond() > a.itemsPerSecond() ? b : a);
    }

    /** The fastest of the phases whose name starts with {@code prefix} (the levels of one ceiling). */
    private static Phase fastestOf(Map<String, Phase> fastest, String prefix) {
        return fastest.values().stream().filter(ph -> ph.name().startsWith(prefix))
                .max(java.util.Comparator.comparingDouble(Phase::itemsPerSecond)).orElseThrow();
    }

    /**
     * {@code cutover copy} of {@code source} into {@code target} (created by the copy), with the CLI's default flags
     * ({@code --parallelism auto}) but {@code flags}.
     */
    private static long copyTable(DynamoDbEndpoint from, DynamoDbEndpoint to, String source, String target, Path stateDir,
                                  java.util.function.UnaryOperator<CopySettings.Builder> flags) {
        CopySettings settings = flags.apply(CopySettings.builder(from, to).table(source, target).stateDir(stateDir).restart(true)
                .parallelism(0)).build();
        try (DynamoDbCopier copier = new DynamoDbCopier(settings, io.cutover.core.copy.CopyProgress.NONE, List.of())) {
            return copier.run().items();
        }
    }

    /** How the copy with the CLI's default flags is named in the phases. */
    private static final String DEFAULT_FLAGS = "(default flags)";

    /** A copy measured in every round: the default one, or an experiment with other flags (not a goal). */
    private record MeasuredCopy(String flagsShown, String suffix, java.util.function.UnaryOperator<CopySettings.Builder> flags) {
    }

    /**
     * The copies measured in a round: {@code cutover copy} with its default flags, then the experiments that environment
     * variables ask for: {@code CUTOVER_BENCH_FIXED} (the write concurrency fixed at the best raw writer's level so far),
     * {@code CUTOVER_BENCH_READERS=N} (N segments read at once, not {@code auto}) and {@code CUTOVER_BENCH_OBJECT_PATH}
     * (the object path, decision 0220).
     */
    private static List<MeasuredCopy> copies(Map<String, Phase> fastest, String shape, int readers) {
        List<MeasuredCopy> copies = new ArrayList<>();
        copies.add(new MeasuredCopy(DEFAULT_FLAGS, "-copy", c -> c.writeConcurrency(0)));
        if (System.getenv("CUTOVER_BENCH_FIXED") != null) {
            int level = Integer.parseInt(fastestOf(fastest, "ceiling " + shape + ": raw writer").name().replaceAll(".*x", ""));
            copies.add(new MeasuredCopy("--write-concurrency " + level, "-fixed", c -> c.writeConcurrency(level)));
        }
        if (readers > 0) {
            copies.add(new MeasuredCopy("--parallelism " + readers, "-readers", c -> c.writeConcurrency(0).parallelism(readers)));
        }
        if (System.getenv("CUTOVER_BENCH_OBJECT_PATH") != null) {
            copies.add(new MeasuredCopy("--no-pass-through", "-objects", c -> c.writeConcurrency(0).passThrough(false)));
        }
        return copies;
    }

    /** {@code CUTOVER_BENCH_READERS}, checked before anything is measured: 0 when it is not set. */
    private static int experimentReaders() {
        String readers = System.getenv("CUTOVER_BENCH_READERS");
        if (readers == null) {
            return 0;
        }
        int n;
        try {
            n = Integer.parseInt(readers.strip());
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n < 1 || n > 1024) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "CUTOVER_BENCH_READERS=" + readers
                    + ": expected a number of segments to read at once, 1 to 1024; unset it to measure the default copy only");
        }
        return n;
    }

    /** {@code --shape}: the item shapes to measure, plain first. */
    private List<String> shapes() {
        return switch (shape) {
            case "both" -> List.of("plain", "rich");
            case "plain", "rich" -> List.of(shape);
            default -> throw new CutoverException(ErrorCode.CONFIG_INVALID, "--shape " + shape + ": expected plain, rich or both");
        };
    }

    private SampleItems sizedSample() {
        long base = ItemSize.billed(new SampleItems(7, 0, false).item(1));
        return new SampleItems(7, (int) Math.max(0, itemSize - base - 8), false);
    }

    @FunctionalInterface
    interface WarmUpRound {
        void run() throws Exception;
    }

    @FunctionalInterface
    interface Work {
        long run() throws Exception;
    }

    static Phase measure(String name, LocalDynamoDb db, Work work) throws Exception {
        return measure(name, List.of(db), work);
    }

    /** Measures {@code work}; its server CPU is that of every one of {@code servers}. */
    static Phase measure(String name, List<LocalDynamoDb> servers, Work work) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        AtomicLong peak = new AtomicLong(memory.getHeapMemoryUsage().getUsed());
        AtomicLong peakLive = new AtomicLong();
        List<java.lang.management.MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null).toList();
        heapPools.forEach(java.lang.management.MemoryPoolMXBean::resetPeakUsage);
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                peakLive.accumulateAndGet(heapPools.stream().mapToLong(pool -> pool.getCollectionUsage().getUsed()).sum(), Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "bench-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        double cpu0 = processCpuSeconds();
        ThreadCpu jit0 = ThreadCpu.now(ThreadCpu.JIT);
        ThreadCpu gc0 = ThreadCpu.now(ThreadCpu.GC);
        double server0 = servers.stream().mapToDouble(s -> childCpuSeconds(s.pid())).sum();
        long t0 = System.nanoTime();
        long n = work.run();
        double secs = (System.nanoTime() - t0) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        double server = servers.stream().mapToDouble(s -> childCpuSeconds(s.pid())).sum() - server0;
        double jit = ThreadCpu.now(ThreadCpu.JIT).since(jit0);
        double gc = ThreadCpu.now(ThreadCpu.GC).since(gc0);
        sampler.interrupt();
        sampler.join();
        System.gc();
        long live = memory.getHeapMemoryUsage().getUsed();
        return new Phase(name, n, secs, n / secs, cpu, n == 0 ? 0 : cpu / n * 1e6, server, peak.get() >> 20, peakLive.get() >> 20,
                live >> 20, jit, gc);
    }

    private static final int PREBUILD_LIMIT = 200_000;

    private List<List<WriteRequest>> prebuild(java.util.function.LongFunction<Map<String, AttributeValue>> itemAt) {
        List<List<WriteRequest>> batches = new ArrayList<>(items / 25 + 1);
        for (long start = 0; start < items; start += 25) {
            batches.add(batch(itemAt, start));
        }
        return batches;
    }

    private List<WriteRequest> batch(java.util.function.LongFunction<Map<String, AttributeValue>> itemAt, long start) {
        List<WriteRequest> batch = new ArrayList<>(25);
        for (long i = start; i < Math.min(items, start + 25); i++) {
            batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(itemAt.apply(i)).build()).build());
        }
        return batch;
    }

    /**
     * A raw writer: 25-item batches (built before the clock starts, up to 200k items, so that it measures writing alone),
     * {@code concurrency} threads each with one BatchWriteItem in flight, nothing else.
     */
    private long rawLoad(DynamoDbClient client, String table, java.util.function.LongFunction<Map<String, AttributeValue>> itemAt,
                         List<List<WriteRequest>> prebuilt, int concurrency, long items) {
        LocalTables.writeInParallel(client, table, (int) ((items + 24) / 25),
                b -> prebuilt != null ? prebuilt.get(b) : LocalTables.puts(b * 25L, Math.min(items, b * 25L + 25), itemAt), concurrency);
        return items;
    }

    /** The scan parallelism levels (segments read at once per table) the raw dual Scan is tried at; the best is the ceiling. */
    static final int[] SCAN_LEVELS = {4, 8, 16, 32};

    /**
     * Verify: for two item shapes in one run, plain and rich (as {@link #benchCopy}), two identical tables, then (a) the
     * ceiling, a raw parallel segmented Scan of both tables at once that only counts items, at every level of
     * {@link #SCAN_LEVELS} (the best is the ceiling), and (b) {@code cutover verify} of the two with its default flags.
     */
    private int benchVerify() throws Exception {
        Printer p = printer();
        SampleItems rich = sizedSample();
        java.util.function.LongFunction<Map<String, AttributeValue>> plain = plainItems();
        p.note(String.format(Locale.ROOT, "Benchmark verify: two tables of %,d items of about %,d bytes, two shapes, raw scans at %s"
                + " segments at once per table; starting DynamoDB Local as a child process...", items, ItemSize.billed(rich.item(1)),
                java.util.Arrays.toString(SCAN_LEVELS)));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g")) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = DynamoDbClients.create(endpoint, 2 * SCAN_LEVELS[SCAN_LEVELS.length - 1] + writers + 8);
            VerifyOptions options = VerifyOptions.defaults();
            List<Phase> phases = new ArrayList<>();
            Map<String, String> goals = new LinkedHashMap<>();
            double worst = Double.MAX_VALUE;
            boolean identical = true;
            long warmItems = Math.min(items, WARM_UP_ITEMS);
            List<String> warmPlain = load(client, "bench-warmup-plain", plain, warmItems);
            List<String> warmRich = load(client, "bench-warmup-rich", rich::item, warmItems);
            int[] round = {0};
            warmUp(p, warmItems, () -> { // both shapes in turn: each has code of its own (the rich one every type)
                List<String> warmTables = round[0]++ % 2 == 0 ? warmPlain : warmRich;
                rawScan(client, warmTables, 8, 8);
                verifyTables(endpoint, db, warmTables, options, scratch.path().resolve("warmup.jsonl"));
            });
            for (String shape : shapes()) {
                List<String> tables = load(client, "bench-" + shape, shape.equals("plain") ? plain : rich::item, items);
                p.note("  loaded " + tables);
                Map<String, Phase> fastest = new LinkedHashMap<>();
                String verifyName = "cutover verify " + shape + " (default flags)";
                VerifyResult[] verified = new VerifyResult[1];
                for (int r = 1; r <= rounds; r++) {
                    for (int level : SCAN_LEVELS) {
                        keepFastest(p, r, fastest, measure("ceiling " + shape + ": raw scan of both x" + level, db,
                                () -> rawScan(client, tables, level, level)));
                    }
                    keepFastest(p, r, fastest, measure(verifyName, db, () -> {
                        verified[0] = verifyTables(endpoint, db, tables, options, scratch.path().resolve(shape + ".jsonl"));
                        return verified[0].sourceItems() + verified[0].targetItems();
                    }));
                    identical &= verified[0].identical();
                }
                phases.addAll(fastest.values());
                Phase best = fastestOf(fastest, "ceiling " + shape + ": raw scan");
                Phase verify = fastest.get(verifyName);
                double ratio = verify.itemsPerSecond() / best.itemsPerSecond();
                worst = Math.min(worst, ratio);
                goals.put(String.format(Locale.ROOT, "%s: verify >= 90%% of the best raw scan (%s)", shape, best.name()),
                        String.format(Locale.ROOT, "%s (%.0f%%)", ratio >= 0.90 ? "met" : "MISSED", ratio * 100));
                goals.put(shape + ": identical tables verify identical", identical ? "met" : "MISSED");
            }
            client.close();
            BenchResult result = new BenchResult("verify", items, (int) ItemSize.billed(rich.item(1)), phases, worst, null, identical, goals);
            p.result(result, BenchCommand::text);
            return identical ? 0 : 1;
        }
    }

    /** Creates {@code prefix-a} and {@code prefix-b} and loads both with the same {@code n} items. */
    private List<String> load(DynamoDbClient client, String prefix, java.util.function.LongFunction<Map<String, AttributeValue>> itemAt,
                              long n) throws Exception {
        List<String> tables = List.of(prefix + "-a", prefix + "-b");
        for (String table : tables) {
            client.createTable(SampleItems.plainTable(table));
            rawLoad(client, table, itemAt, null, writers, n);
        }
        return tables;
    }

    private static VerifyResult verifyTables(DynamoDbEndpoint endpoint, LocalDynamoDb db, List<String> tables, VerifyOptions options,
                                             Path report) throws Exception {
        try (DynamoDbVerification v = new DynamoDbVerification(endpoint, DynamoDbEndpoint.local("target", db.endpoint()),
                2 * options.parallelism() + 4)) {
            return v.run(tables.get(0), tables.get(1), options, io.cutover.core.copy.CopyProgress.NONE, report, java.util.Optional.empty());
        }
    }

    /** Plain items: a key, a number and a string padded to {@code --item-size}, as many real tables hold. */
    private java.util.function.LongFunction<Map<String, AttributeValue>> plainItems() {
        String pad = "x".repeat((int) Math.max(0, itemSize - 60));
        return i -> Map.of("pk", AttributeValue.fromS("item#" + i), "sk", AttributeValue.fromS("s"), "n", AttributeValue.fromN(Long.toString(i)),
                "pad", AttributeValue.fromS(pad));
    }

    /**
     * Scans the tables at once in parallel segments, {@code parallelism} per table, with the verifier's
     * page size, counting items and nothing else.
     */
    private static long rawScan(DynamoDbClient client, List<String> tables, int segments, int parallelism) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parallelism * tables.size());
        try {
            List<Future<Long>> counts = new ArrayList<>();
            for (int s = 0; s < segments; s++) {
                for (String table : tables) {
                int segment = s;
                counts.add(pool.submit(() -> {
                    long n = 0;
                    for (ScanResponse page : client.scanPaginator(b -> b.tableName(table).segment(segment).totalSegments(segments).limit(1000))) {
                        n += page.count();
                    }
                    return n;
                }));
                }
            }
            long total = 0;
            for (Future<Long> f : counts) {
                total += f.get();
            }
            return total;
        } finally {
            pool.shutdown();
        }
    }

    /** The raw copy script's scan threads (one Scan segment each), and the writer pool sizes it is tried at. */
    static final int RAW_COPY_SCANNERS = 8;
    static final int[] RAW_COPY_LEVELS = {16, 32, 64};

    /**
     * The fastest copy script we can write with the raw SDK: {@code scanners} threads each Scan one segment (1,000-item
     * pages) and hand each page's 25-item batches to a pool of {@code writers} threads, each with one BatchWriteItem in
     * flight until nothing is left unprocessed (at most two batches per writer wait, so memory stays bounded). No
     * checkpoint, no size accounting, no throttle, no dead letters: what Cutover adds on top is what the ratio measures.
     */
    static long rawCopy(DynamoDbClient sourceClient, DynamoDbClient client, String source, String target, int scanners, int writers)
            throws Exception {
        ExecutorService scanPool = Executors.newFixedThreadPool(scanners);
        ExecutorService writePool = Executors.newFixedThreadPool(writers);
        java.util.concurrent.Semaphore room = new java.util.concurrent.Semaphore(writers * 2);
        java.util.concurrent.ConcurrentLinkedQueue<Future<?>> writes = new java.util.concurrent.ConcurrentLinkedQueue<>();
        AtomicLong copied = new AtomicLong();
        try {
            List<Future<?>> scans = new ArrayList<>();
            for (int s = 0; s < scanners; s++) {
                int segment = s;
                scans.add(scanPool.submit(() -> {
                    for (ScanResponse page : sourceClient.scanPaginator(b -> b.tableName(source).segment(segment).totalSegments(scanners).limit(1000))) {
                        List<Map<String, AttributeValue>> got = page.items();
                        for (int from = 0; from < got.size(); from += 25) {
                            List<WriteRequest> batch = new ArrayList<>(25);
                            for (Map<String, AttributeValue> item : got.subList(from, Math.min(got.size(), from + 25))) {
                                batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
                            }
                            room.acquire();
                            writes.add(writePool.submit(() -> {
                                try {
                                    LocalTables.writeAll(client, target, batch);
                                    copied.addAndGet(batch.size());
                                } finally {
                                    room.release();
                                }
                            }));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : scans) {
                f.get();
            }
            for (Future<?> f : writes) {
                f.get();
            }
            return copied.get();
        } finally {
            scanPool.shutdownNow();
            writePool.shutdownNow();
        }
    }

    /** The naive baseline: one sequential Scan with 1 MB pages, 25-item batches written one after another. */
    private long naiveCopy(DynamoDbClient sourceClient, DynamoDbClient client, String source) {
        long n = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            ScanResponse page = sourceClient.scan(b -> b.tableName(source).exclusiveStartKey(from));
            List<WriteRequest> batch = new ArrayList<>(25);
            for (Map<String, AttributeValue> item : page.items()) {
                batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(item).build()).build());
                if (batch.size() == 25) {
                    LocalTables.writeAll(client, "bench-naive", batch);
                    batch = new ArrayList<>(25);
                }
            }
            if (!batch.isEmpty()) {
                LocalTables.writeAll(client, "bench-naive", batch);
            }
            n += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return n;
    }

    static double processCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }

    /**
     * CPU seconds each of this JVM's own threads of one kind ({@code prefixes} of their names) has used so far, by thread id,
     * from /proc (Linux; empty elsewhere). A thread that ends between two snapshots takes its CPU with it, so {@link #since}
     * counts only threads alive at the end: compiler threads come and go, and their CPU is then under-, never over-counted.
     */
    record ThreadCpu(Map<String, Long> ticksByThread) {
        static final List<String> JIT = List.of("C1 CompilerThre", "C2 CompilerThre");
        static final List<String> GC = List.of("GC Thread", "G1 ");

        static ThreadCpu now(List<String> prefixes) {
            Map<String, Long> ticks = new java.util.HashMap<>();
            try (var tasks = Files.list(Path.of("/proc/self/task"))) {
                for (Path task : (Iterable<Path>) tasks::iterator) {
                    try {
                        String name = Files.readString(task.resolve("comm")).strip();
                        if (prefixes.stream().anyMatch(name::startsWith)) {
                            String stat = Files.readString(task.resolve("stat"));
                            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                            ticks.put(task.getFileName().toString(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                        }
                    } catch (java.io.IOException | RuntimeException gone) {
                        // the thread ended while listed
                    }
                }
            } catch (java.io.IOException | RuntimeException e) {
                return new ThreadCpu(Map.of());
            }
            return new ThreadCpu(ticks);
        }

        double since(ThreadCpu before) {
            long ticks = 0;
            for (var e : ticksByThread.entrySet()) {
                ticks += Math.max(0, e.getValue() - before.ticksByThread.getOrDefault(e.getKey(), 0L));
            }
            return ticks / 100.0;
        }
    }

    /** CPU seconds used so far by a child process, from /proc (Linux); NaN elsewhere. */
    static double childCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks / 100.0;
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    static String line(Phase ph) {
        return String.format(Locale.ROOT, "  %-34s %,9d items %7.1f s %,9.0f items/s  client CPU %6.1f s (%5.1f s per M; JIT %4.1f s, GC %4.1f s;"
                        + " %5.1f s per M compiled)  server CPU %6.1f s  heap peak %,5d MiB, live after GC %,4d MiB",
                ph.name(), ph.items(), ph.seconds(), ph.itemsPerSecond(), ph.clientCpuSeconds(), ph.clientCpuSecondsPerMillion(),
                ph.jitSeconds(), ph.gcCpuSeconds(), ph.compiledCpuSecondsPerMillion(), ph.serverCpuSeconds(), ph.peakHeapMiB(),
                ph.peakLiveHeapMiB());
    }

    private static String text(BenchResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nBenchmark %s: %,d items of %,d bytes on DynamoDB Local (child process, loopback)%n",
                r.benchmark(), r.items(), r.itemBytes()));
        r.phases().forEach(ph -> b.append(line(ph)).append('\n'));
        b.append(r.benchmark().equals("copy-memory") ? String.format(Locale.ROOT, "  live heap growth: %.2fx%n", r.toCeiling())
                : String.format(Locale.ROOT, "  %s / ceiling: %.2f%n", r.benchmark(), r.toCeiling()));
        if (r.toNaive() != null) {
            b.append(String.format(Locale.ROOT, "  %s / naive:   %.2f%n", r.benchmark(), r.toNaive()));
        }
        r.goals().forEach((k, v) -> b.append("  goal ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
