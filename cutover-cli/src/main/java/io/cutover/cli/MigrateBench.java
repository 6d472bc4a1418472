package io.cutover.cli;

import io.cutover.core.copy.CopyProgress;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbMigration;
import io.cutover.dynamodb.TableComparison;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * {@code cutover bench migrate}: on a freshly started DynamoDB Local child process, a writer changes
 * items at a fixed rate, stamping each with its write time in milliseconds (DynamoDB Local's own
 * change timestamps are rounded to the minute). First the floor: a bare stream reader that only reads
 * and timestamps records. Then {@code cutover migrate} of the table during and after its backfill:
 * backfill items/s, catch-up changes/s, and steady-state lag from write to target acknowledgement.
 *
 * <p>{@code cutover bench soak} ({@link #soak}) keeps the migration IN_SYNC under the writer for
 * millions of changes and prints, every 100,000 changes applied, what must stay flat over days: the
 * process's CPU per change, the heap after a garbage collection, the change log's size on disk and
 * rows kept (pruned past a short retention), and the lag from write to target acknowledgement.
 */
final class MigrateBench {
    private static final String TABLE = "bench-live";
    private static final String TARGET = "bench-live-copy";

    private final int items;
    private final SampleItems sample;
    private final int writeRate;
    private final int steadySeconds;
    private final Printer printer;

    /** The benchmark's figures. */
    public record MigrateBenchResult(long items, int writeRatePerSecond, double achievedWriteRatePerSecond, double backfillItemsPerSecond,
                                     double catchUpChangesPerSecond,
                                     double catchUpToWriteRate, List<CeilingLevel> catchUpCeiling, double catchUpToCeiling, long floorP50Millis, long floorP99Millis, long floorMaxMillis,
                                     long lagP50Millis, long lagP99Millis, long lagMaxMillis, long lagSamples, boolean identical,
                                     Map<String, String> goals) {
    }

    /** The raw writer of the catch-up's changes at one concurrency level. */
    public record CeilingLevel(int concurrency, long changes, double changesPerSecond) {
    }

    MigrateBench(int items, SampleItems sample, int writeRate, int steadySeconds, Printer printer) {
        this.items = items;
        this.sample = sample;
        this.writeRate = writeRate;
        this.steadySeconds = steadySeconds;
        this.printer = printer;
    }

    int run() throws Exception {
        printer.note(String.format(Locale.ROOT, "Benchmark migrate: %,d items, a writer at %,d changes/s; starting a fresh DynamoDB Local...",
                items, writeRate));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g")) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = loadedSource(endpoint);
            printer.note("  loaded " + TABLE);
            String streamArn = client.describeTable(b -> b.tableName(TABLE)).table().latestStreamArn();

            List<Long> floor;
            try (DynamoDbStreamsClient streams = DynamoDbClients.createStreams(endpoint, 8); Writer writer = new Writer(client)) {
                floor = bareReader(streams, streamArn, writer);
            }
            printer.note(String.format(Locale.ROOT, "  floor (bare stream reader): p50 %d ms, p99 %d ms, max %d ms over %,d records",
                    pct(floor, 50), pct(floor, 99), pct(floor, 100), floor.size()));

            CopySettings settings = CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                    .table(TABLE, TARGET).stateDir(scratch.path().resolve("migrate")).build();
            List<Long> lags = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean steady = new AtomicBoolean();
            AtomicBoolean catchingUp = new AtomicBoolean();
            List<Map<String, AttributeValue>> catchUpImages = Collections.synchronizedList(new ArrayList<>());
            Map<String, Long> phaseStart = new HashMap<>();
            Map<String, Long> appliedAt = new HashMap<>();
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            long start = System.nanoTime();
            MigrationStatus end;
            double achieved;
            try (Writer writer = new Writer(client); DynamoDbMigration migration = new DynamoDbMigration(settings, TABLE, TARGET, false)) {
                migration.onApplied((change, ackMillis) -> {
                    AttributeValue written = change.image() == null ? null : change.image().get("writtenAt");
                    if (catchingUp.get() && change.image() != null && catchUpImages.size() < MAX_CEILING_CHANGES) {
                        catchUpImages.add(change.image());
                    }
                    if (steady.get() && written != null) {
                        lags.add(ackMillis - Long.parseLong(written.n()));
                    }
                });
                CompletableFuture<MigrationStatus> running = CompletableFuture.supplyAsync(() -> migration.run(null, CopyProgress.NONE, s -> {
                    latest.set(s);
                    catchingUp.set(s.phase().equals("CATCH_UP"));
                    phaseStart.putIfAbsent(s.phase(), System.nanoTime());
                    appliedAt.putIfAbsent(s.phase(), s.applied() + s.superseded());
                }));
                while (!running.isDone() && (latest.get() == null || !latest.get().phase().equals("IN_SYNC"))) {
                    Thread.sleep(50);
                }
                steady.set(true);
                Thread.sleep(steadySeconds * 1000L);
                steady.set(false);
                writer.close();
                achieved = writer.achievedRate();
                Thread.sleep(3_000);
                migration.requestStop();
                end = running.join();
            }
            long catchUpStart = phaseStart.getOrDefault("CATCH_UP", start);
            long inSync = phaseStart.getOrDefault("IN_SYNC", System.nanoTime());
            double backfillRate = end.backfillItems() / Math.max(0.001, (catchUpStart - start) / 1e9);
            long catchUpChanges = appliedAt.getOrDefault("IN_SYNC", 0L) - appliedAt.getOrDefault("CATCH_UP", 0L);
            double catchUpRate = catchUpChanges / Math.max(0.001, (inSync - catchUpStart) / 1e9);
            TableComparison.Result cmp = TableComparison.compare(client, TABLE, client, TARGET);
            List<CeilingLevel> ceiling = catchUpCeiling(client, new ArrayList<>(catchUpImages));
            double bestRaw = ceiling.stream().mapToDouble(CeilingLevel::changesPerSecond).max().orElse(Double.NaN);
            client.close();
            Map<String, String> goals = new LinkedHashMap<>();
            goals.put("steady-state p99 within 100 ms of the floor's p99", String.format(Locale.ROOT, "%s (%d ms vs %d ms)",
                    pct(lags, 99) <= pct(floor, 99) + 100 ? "met" : "MISSED", pct(lags, 99), pct(floor, 99)));
            goals.put("catch-up at least 5x the write rate", String.format(Locale.ROOT, "%s (%.1fx the %,.0f changes/s the writer achieved)",
                    catchUpRate >= 5 * achieved ? "met" : "MISSED", catchUpRate / achieved, achieved));
            goals.put("target identical after the writer stopped", cmp.identical() ? "met" : "MISSED " + cmp.examples());
            MigrateBenchResult result = new MigrateBenchResult(items, writeRate, achieved, backfillRate, catchUpRate, catchUpRate / achieved,
                    ceiling, catchUpRate / bestRaw,
                    pct(floor, 50), pct(floor, 99), pct(floor, 100), pct(lags, 50), pct(lags, 99), pct(lags, 100), lags.size(),
                    cmp.identical(), goals);
            printer.result(result, MigrateBench::text);
            return cmp.identical() ? 0 : 1;
        }
    }

    private static final int MAX_CEILING_CHANGES = 200_000;

    /**
     * The catch-up's ceiling: the same change images (as the applier took them during CATCH_UP) written by a raw writer into a
     * fresh table without a stream, 25-item BatchWriteItem calls (no key twice in one call), at every level of
     * {@link BenchCommand#CEILING_LEVELS}. It orders nothing and checks nothing, so it is faster than any correct applier can be.
     */
    private List<CeilingLevel> catchUpCeiling(DynamoDbClient client, List<Map<String, AttributeValue>> images) throws Exception {
        List<CeilingLevel> levels = new ArrayList<>();
        if (images.isEmpty()) {
            return levels;
        }
        List<List<software.amazon.awssdk.services.dynamodb.model.WriteRequest>> batches = new ArrayList<>();
        List<software.amazon.awssdk.services.dynamodb.model.WriteRequest> current = new ArrayList<>();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (Map<String, AttributeValue> image : images) {
            String key = image.get("pk").s() + "\u0000" + image.get("sk").s();
            if (current.size() == 25 || !keys.add(key)) {
                batches.add(current);
                current = new ArrayList<>();
                keys.clear();
                keys.add(key);
            }
            current.add(software.amazon.awssdk.services.dynamodb.model.WriteRequest.builder()
                    .putRequest(b -> b.item(image)).build());
        }
        batches.add(current);
        for (int level : BenchCommand.CEILING_LEVELS) {
            String table = TARGET + "-raw-" + level;
            LocalTables.create(client, SampleItems.plainTable(table));
            long t0 = System.nanoTime();
            LocalTables.writeInParallel(client, table, batches.size(), batches::get, level);
            double rate = images.size() / ((System.nanoTime() - t0) / 1e9);
            levels.add(new CeilingLevel(level, images.size(), rate));
            printer.note(String.format(Locale.ROOT, "  catch-up ceiling: raw writer x%d, %,d changes: %,.0f changes/s", level, images.size(), rate));
        }
        return levels;
    }

    /** A client of the source, whose table (with a stream) now holds {@code items} items. */
    private DynamoDbClient loadedSource(DynamoDbEndpoint endpoint) {
        DynamoDbClient client = DynamoDbClients.create(endpoint, 32);
        LocalTables.create(client, SampleItems.withStream(SampleItems.plainTable(TABLE)));
        LocalTables.load(client, TABLE, items, sample::item);
        return client;
    }

    /** One 100,000-change block of the soak. */
    public record SoakBlock(long applied, double changesPerSecond, double cpuMicrosPerChange, long heapAfterGcMiB, long logBytesOnDisk,
                            long logRowsKept, long lagP50Millis, long lagP99Millis) {
    }

    /** The soak's figures. */
    public record SoakResult(long items, int writeRatePerSecond, long changesApplied, long captured, long superseded, long deadLettered,
                             String logRetention, List<SoakBlock> blocks, boolean identical) {
    }

    /** Runs IN_SYNC under the writer until {@code changes} were applied (or superseded), reporting every 100,000. */
    int soak(long changes, java.time.Duration logRetention) throws Exception {
        printer.note(String.format(Locale.ROOT, "Soak: %,d changes over %,d items, writer at %s changes/s, log retention %s; starting a fresh"
                + " DynamoDB Local...", changes, items, writeRate <= 0 ? "the highest" : String.format(Locale.ROOT, "%,d", writeRate), logRetention));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-soak");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx2g")) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            DynamoDbClient client = loadedSource(endpoint);
            java.nio.file.Path state = scratch.path().resolve("migrate");
            CopySettings settings = CopySettings.builder(endpoint, DynamoDbEndpoint.local("target", db.endpoint()))
                    .table(TABLE, TARGET).stateDir(state).build();
            java.util.concurrent.atomic.AtomicLong taken = new java.util.concurrent.atomic.AtomicLong();
            List<Long> lags = Collections.synchronizedList(new ArrayList<>());
            AtomicReference<MigrationStatus> latest = new AtomicReference<>();
            List<SoakBlock> blocks = new ArrayList<>();
            MigrationStatus end;
            try (Writer writer = new Writer(client); DynamoDbMigration migration = new DynamoDbMigration(settings, TABLE, TARGET, false, false,
                    DynamoDbMigration.LiveOptions.defaults().withLogRetention(logRetention))) {
                migration.onApplied((change, ackMillis) -> {
                    AttributeValue written = change.image() == null ? null : change.image().get("writtenAt");
                    if (written != null && "IN_SYNC".equals(latest.get() == null ? null : latest.get().phase())) {
                        lags.add(ackMillis - Long.parseLong(written.n()));
                    }
                });
                CompletableFuture<MigrationStatus> running = CompletableFuture.supplyAsync(() -> migration.run(null, CopyProgress.NONE,
                        latest::set));
                while (!running.isDone() && (latest.get() == null || !latest.get().phase().equals("IN_SYNC"))) {
                    Thread.sleep(50);
                }
                MigrationStatus base = latest.get();
                long from = base.applied() + base.superseded();
                lags.clear();
                long blockStart = System.nanoTime();
                double cpuStart = BenchCommand.processCpuSeconds();
                long next = 100_000;
                while (!running.isDone()) {
                    MigrationStatus s = latest.get();
                    long done = s.applied() + s.superseded() + s.deadLettered() - from;
                    taken.set(done);
                    if (done >= next) {
                        List<Long> window;
                        synchronized (lags) {
                            window = new ArrayList<>(lags);
                            lags.clear();
                        }
                        double cpu = BenchCommand.processCpuSeconds();
                        long now = System.nanoTime();
                        System.gc();
                        Runtime rt = Runtime.getRuntime();
                        SoakBlock block = new SoakBlock(done, 100_000 / Math.max(0.001, (now - blockStart) / 1e9),
                                (cpu - cpuStart) * 1e6 / 100_000, (rt.totalMemory() - rt.freeMemory()) >> 20,
                                sizeOnDisk(state.resolve("changes.db")), rowsKept(state.resolve("changes.db")), pct(window, 50), pct(window, 99));
                        blocks.add(block);
                        printer.note(soakLine(block));
                        blockStart = now;
                        cpuStart = cpu;
                        next += 100_000;
                        if (done >= changes) {
                            break;
                        }
                    }
                    Thread.sleep(200);
                }
                writer.close();
                Thread.sleep(3_000);
                migration.requestStop();
                end = running.join();
            }
            TableComparison.Result cmp = TableComparison.compare(client, TABLE, client, TARGET);
            client.close();
            SoakResult result = new SoakResult(items, writeRate, taken.get(), end.captured(), end.superseded(), end.deadLettered(),
                    logRetention.toString(), blocks, cmp.identical());
            printer.result(result, MigrateBench::soakText);
            return cmp.identical() ? 0 : 1;
        }
    }

    private static long sizeOnDisk(java.nio.file.Path db) throws java.io.IOException {
        long n = 0;
        for (String suffix : new String[] {"", "-wal", "-shm"}) {
            java.nio.file.Path f = db.resolveSibling(db.getFileName() + suffix);
            n += java.nio.file.Files.exists(f) ? java.nio.file.Files.size(f) : 0;
        }
        return n;
    }

    /** Rows still in the change log, counted the slow way (once a block, beside the engine, which keeps counters instead). */
    private static long rowsKept(java.nio.file.Path db) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
             java.sql.Statement st = c.createStatement(); java.sql.ResultSet r = st.executeQuery("SELECT COUNT(*) FROM changes")) {
            return r.next() ? r.getLong(1) : -1;
        }
    }

    static String soakLine(SoakBlock b) {
        return String.format(Locale.ROOT, "  %,10d changes: %,7.0f changes/s, CPU %6.1f us/change, heap after GC %,5d MiB, change log %,7.1f MiB"
                        + " on disk (%,d rows kept), lag p50 %,6d ms p99 %,6d ms", b.applied(), b.changesPerSecond(), b.cpuMicrosPerChange(),
                b.heapAfterGcMiB(), b.logBytesOnDisk() / 1048576.0, b.logRowsKept(), b.lagP50Millis(), b.lagP99Millis());
    }

    static String soakText(SoakResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nSoak: %,d changes applied in IN_SYNC (%,d captured, %,d superseded,"
                + " %,d dead-lettered), %,d items, log retention %s, fresh DynamoDB Local (child process)%n", r.changesApplied(), r.captured(),
                r.superseded(), r.deadLettered(), r.items(), r.logRetention()));
        r.blocks().forEach(block -> b.append(soakLine(block)).append('\n'));
        b.append("  target identical after the writer stopped: ").append(r.identical() ? "yes" : "NO").append('\n');
        return b.toString();
    }

    /** Writes at a fixed rate from 4 threads: updates of random existing items, stamped with the write time. */
    private final class Writer implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService pool = Executors.newFixedThreadPool(4);
        private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
        private final long started = System.nanoTime();
        private volatile long stopped;

        Writer(DynamoDbClient client) {
            Throttle rate = new Throttle(writeRate);
            for (int t = 0; t < 4; t++) {
                pool.submit(() -> {
                    while (running.get()) {
                        rate.acquire(1);
                        Map<String, AttributeValue> item = new HashMap<>(sample.item(ThreadLocalRandom.current().nextInt(items)));
                        item.put("writtenAt", AttributeValue.fromN(Long.toString(System.currentTimeMillis())));
                        client.putItem(b -> b.tableName(TABLE).item(item));
                        writes.incrementAndGet();
                    }
                    return null;
                });
            }
        }

        /** Changes per second the writer really made (DynamoDB Local may not keep up with the asked rate). */
        double achievedRate() {
            long end = stopped == 0 ? System.nanoTime() : stopped;
            return writes.get() / Math.max(0.001, (end - started) / 1e9);
        }

        @Override
        public void close() throws InterruptedException {
            if (stopped == 0) {
                stopped = System.nanoTime();
            }
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** The floor: reads every open shard from LATEST, polling every 100 ms like capture does, and timestamps each record. */
    private List<Long> bareReader(DynamoDbStreamsClient streams, String streamArn, Writer writer) throws InterruptedException {
        List<Long> lags = new ArrayList<>();
        Map<String, String> iterators = new HashMap<>();
        for (Shard shard : streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards()) {
            if (shard.sequenceNumberRange().endingSequenceNumber() == null) {
                iterators.put(shard.shardId(), streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                        .shardIteratorType(ShardIteratorType.LATEST)).shardIterator());
            }
        }
        long until = System.nanoTime() + steadySeconds * 1_000_000_000L;
        while (System.nanoTime() < until && !iterators.isEmpty()) {
            boolean any = false;
            for (Map.Entry<String, String> e : new ArrayList<>(iterators.entrySet())) {
                GetRecordsResponse page = streams.getRecords(b -> b.shardIterator(e.getValue()).limit(1000));
                long now = System.currentTimeMillis();
                for (Record r : page.records()) {
                    AttributeValue w = r.dynamodb().newImage() == null ? null : r.dynamodb().newImage().get("writtenAt");
                    if (w != null) {
                        lags.add(now - Long.parseLong(w.n()));
                    }
                }
                any |= !page.records().isEmpty();
                if (page.nextShardIterator() == null) {
                    iterators.remove(e.getKey());
                } else {
                    iterators.put(e.getKey(), page.nextShardIterator());
                }
            }
            if (!any) {
                Thread.sleep(100);
            }
        }
        return lags;
    }

    static long pct(List<Long> values, int p) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(Math.min(sorted.size() - 1, Math.max(0, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)));
    }

    static String text(MigrateBenchResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nBenchmark migrate: %,d items, writer asked for %,d changes/s and made %,.0f, fresh DynamoDB Local (child process)%n",
                r.items(), r.writeRatePerSecond(), r.achievedWriteRatePerSecond()));
        b.append(String.format(Locale.ROOT, "  backfill:              %,9.0f items/s%n", r.backfillItemsPerSecond()));
        b.append(String.format(Locale.ROOT, "  catch-up:              %,9.0f changes/s (%.1fx the achieved write rate)%n", r.catchUpChangesPerSecond(),
                r.catchUpToWriteRate()));
        r.catchUpCeiling().forEach(level -> b.append(String.format(Locale.ROOT, "  catch-up ceiling x%-3d  %,9.0f changes/s (raw writer of the same %,d changes)%n",
                level.concurrency(), level.changesPerSecond(), level.changes())));
        if (!r.catchUpCeiling().isEmpty()) {
            b.append(String.format(Locale.ROOT, "  catch-up / best raw:   %9.2f%n", r.catchUpToCeiling()));
        }
        b.append(String.format(Locale.ROOT, "  floor (bare reader):   p50 %5d ms  p99 %5d ms  max %5d ms%n", r.floorP50Millis(), r.floorP99Millis(), r.floorMaxMillis()));
        b.append(String.format(Locale.ROOT, "  steady-state lag:      p50 %5d ms  p99 %5d ms  max %5d ms  (%,d changes, write to target acknowledgement)%n",
                r.lagP50Millis(), r.lagP99Millis(), r.lagMaxMillis(), r.lagSamples()));
        r.goals().forEach((k, v) -> b.append("  goal ").append(k).append(": ").append(v).append('\n'));
        return b.toString();
    }
}
