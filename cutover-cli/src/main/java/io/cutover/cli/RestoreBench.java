package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveEntry;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveSync;
import io.cutover.core.archive.RestorePoint;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.item.ItemSize;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbArchiveSnapshot;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbEndpoint;
import io.cutover.dynamodb.DynamoDbRestore;
import io.cutover.local.LocalDynamoDb;
import io.cutover.local.LocalTables;
import io.cutover.local.SampleItems;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.PutRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * {@code cutover bench restore}: point-in-time restore measured against DynamoDB Local's write ceiling taken in the same
 * run. (a) The ceiling: the fastest raw BatchWriteItem load of the items into a fresh table, after a first load that
 * fills the source table and warms the server up. (b) An
 * archive: a base snapshot of that table, then {@code --changes} changes (puts that update and insert, one in ten a
 * delete) appended to a change log and synced, as a migration's capture would leave them; its bytes per change.
 * (c) The restore to the last change, in its two steps: working out the state (base plus every change replayed per key),
 * in changes replayed per second; and writing it into a new table, in items restored per second, over the ceiling. The
 * restored table is then verified against the archive. DynamoDB Local runs as a child process on loopback.
 */
final class RestoreBench {
    /** One measured phase. */
    public record Phase(String name, long count, String unit, double seconds, double perSecond) {
    }

    /** The result: {@code writeToCeiling} is items restored/s over the ceiling's items/s. */
    public record RestoreBenchResult(String benchmark, long items, int itemBytes, long changes, List<Phase> phases, long archiveChangeBytes,
                                     double archiveBytesPerChange, long restoredItems, double writeToCeiling, boolean identical) {
    }

    private final int items;
    private final long changes;
    private final SampleItems sample;
    private final int writers;
    private final Printer p;

    RestoreBench(int items, long changes, SampleItems sample, int writers, Printer p) {
        if (items < 1 || changes < 1 || changes > 50_000_000 || writers < 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "bench restore needs --items of at least 1, --changes between 1 and"
                    + " 50000000 and --writers of at least 1");
        }
        this.items = items;
        this.changes = changes;
        this.sample = sample;
        this.writers = writers;
        this.p = p;
    }

    int run() throws Exception {
        int itemBytes = (int) ItemSize.billed(sample.item(1));
        p.note(String.format(Locale.ROOT, "Benchmark restore: %,d items of about %,d bytes, %,d changes; starting DynamoDB Local as a"
                + " child process...", items, itemBytes, changes));
        try (ScratchDirectory scratch = new ScratchDirectory("cutover-bench-restore");
             LocalDynamoDb db = LocalDynamoDb.startChildProcess("-Xmx4g")) {
            DynamoDbEndpoint endpoint = DynamoDbEndpoint.local("source", db.endpoint());
            List<Phase> phases = new ArrayList<>();
            try (DynamoDbClient client = DynamoDbClients.create(endpoint, writers + 8)) {
                client.createTable(SampleItems.plainTable("bench-source"));
                List<List<WriteRequest>> batches = batches();
                // the first load fills the source and warms a cold server up (its JIT); the ceiling is the second, on a fresh table
                Phase warmUp = timed("load of the source (cold server)", "items", () -> rawLoad(client, "bench-source", batches));
                note(warmUp);
                client.createTable(SampleItems.plainTable("bench-ceiling"));
                phases.add(timed("ceiling: raw BatchWriteItem load", "items", () -> rawLoad(client, "bench-ceiling", batches)));
                note(phases.get(0));
                client.deleteTable(b -> b.tableName("bench-ceiling"));
            }
            Path log = scratch.path().resolve("migrate").resolve("changes.db");
            java.nio.file.Files.createDirectories(log.getParent());
            Path archive = scratch.path().resolve("archive");
            SqliteChangeLog.open(log).close();
            ArchiveEntry base = new DynamoDbArchiveSnapshot(endpoint, "bench-source", log, new io.cutover.core.archive.FolderArchiveStore(archive), 8, System::currentTimeMillis).run();
            long last = appendChanges(log);
            ArchiveSync.Result synced = new ArchiveSync(log, archive, 100_000, System::currentTimeMillis).run();
            p.note(String.format(Locale.ROOT, "  archive: base %,d items (%,d bytes), %,d changes in %d segments (%,d bytes, %.1f bytes/change)",
                    base.count(), base.bytes(), synced.changes(), synced.segments(), synced.bytes(), synced.bytes() / (double) synced.changes()));

            DynamoDbRestore.Settings settings = new DynamoDbRestore.Settings(DynamoDbEndpoint.local("target", db.endpoint()),
                    new io.cutover.core.archive.FolderArchiveStore(archive),
                    RestorePoint.atSequence(last), "bench-restored", scratch.path().resolve("restore"), 8, writers);
            io.cutover.core.result.RestoreResult[] planned = new io.cutover.core.result.RestoreResult[1];
            io.cutover.core.result.RestoreResult[] written = new io.cutover.core.result.RestoreResult[1];
            VerifyResult verified;
            try (DynamoDbRestore restore = new DynamoDbRestore(settings)) {
                phases.add(timed("restore: work out the state", "changes", () -> {
                    planned[0] = restore.dryRun();
                    return planned[0].changesReplayed();
                }));
                note(phases.get(1));
                phases.add(timed("restore: write the items", "items", () -> {
                    written[0] = restore.run(CopyProgress.NONE);
                    return written[0].itemsWritten();
                }));
                note(phases.get(2));
                verified = restore.verify(CopyProgress.NONE);
            }
            long changeBytes = ArchiveManifest.require(archive).changes().stream().mapToLong(ArchiveEntry::bytes).sum();
            RestoreBenchResult r = new RestoreBenchResult("restore", items, itemBytes, changes, phases, changeBytes,
                    changeBytes / (double) changes, planned[0].expectedItems(), phases.get(2).perSecond() / phases.get(0).perSecond(),
                    verified.identical() && written[0].status().equals("completed"));
            p.result(r, RestoreBench::text);
            return r.identical() ? 0 : 1;
        }
    }

    @FunctionalInterface
    interface Work {
        long run() throws Exception;
    }

    private static Phase timed(String name, String unit, Work work) throws Exception {
        long t0 = System.nanoTime();
        long n = work.run();
        double secs = (System.nanoTime() - t0) / 1e9;
        return new Phase(name, n, unit, secs, n / secs);
    }

    private List<List<WriteRequest>> batches() {
        List<List<WriteRequest>> out = new ArrayList<>(items / 25 + 1);
        for (long start = 0; start < items; start += 25) {
            List<WriteRequest> batch = new ArrayList<>(25);
            for (long i = start; i < Math.min(items, start + 25); i++) {
                batch.add(WriteRequest.builder().putRequest(PutRequest.builder().item(sample.item(i)).build()).build());
            }
            out.add(batch);
        }
        return out;
    }

    /** The ceiling: pre-built 25-item batches, {@code writers} threads, nothing else. */
    private long rawLoad(DynamoDbClient client, String table, List<List<WriteRequest>> batches) {
        LocalTables.writeInParallel(client, table, batches.size(), batches::get, writers);
        return items;
    }

    /**
     * Appends the changes as capture would: puts that update a key of the table or insert a new one (keys up to 10% past
     * the table's), one in ten a delete, capture times one millisecond apart. Returns the last log sequence.
     */
    private long appendChanges(Path logFile) {
        Random random = new Random(14);
        long time = System.currentTimeMillis();
        long keys = items + items / 10 + 1;
        try (SqliteChangeLog log = SqliteChangeLog.open(logFile)) {
            List<ChangeRecord> batch = new ArrayList<>(1000);
            for (long j = 0; j < changes; j++) {
                Map<String, AttributeValue> item = sample.item(Math.floorMod(random.nextLong(), keys));
                Map<String, AttributeValue> key = Map.of("pk", item.get("pk"), "sk", item.get("sk"));
                if (random.nextInt(10) == 0) {
                    batch.add(ChangeRecord.delete("bench", "c" + j, key, time, time + j));
                } else {
                    Map<String, AttributeValue> image = new HashMap<>(item);
                    image.put("rev", AttributeValue.fromN(Long.toString(j)));
                    batch.add(ChangeRecord.put("bench", "c" + j, key, image, time, time + j));
                }
                if (batch.size() == 1000 || j == changes - 1) {
                    log.append(batch, new PartitionPosition("bench", "c" + j, false));
                    batch = new ArrayList<>(1000);
                }
            }
            return log.lastSequence();
        }
    }

    private void note(Phase ph) {
        p.note(line(ph));
    }

    private static String line(Phase ph) {
        return String.format(Locale.ROOT, "  %-34s %,10d %-7s %7.1f s %,9.0f %s/s", ph.name(), ph.count(), ph.unit(), ph.seconds(),
                ph.perSecond(), ph.unit());
    }

    static String text(RestoreBenchResult r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nBenchmark restore: %,d items of %,d bytes, %,d changes on DynamoDB"
                + " Local (child process, loopback)%n", r.items(), r.itemBytes(), r.changes()));
        r.phases().forEach(ph -> b.append(line(ph)).append('\n'));
        b.append(String.format(Locale.ROOT, "  restored %,d items; items restored/s over the ceiling: %.2f%n", r.restoredItems(), r.writeToCeiling()));
        b.append(String.format(Locale.ROOT, "  archive: %,d bytes of changes, %.1f bytes per change (gzip'd JSON lines)%n", r.archiveChangeBytes(),
                r.archiveBytesPerChange()));
        b.append("  restored table identical to the archive's state: ").append(r.identical() ? "yes" : "NO").append('\n');
        return b.toString();
    }
}
