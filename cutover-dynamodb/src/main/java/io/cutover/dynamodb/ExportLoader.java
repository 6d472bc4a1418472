package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.checkpoint.CheckpointStore;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.checkpoint.UnitCheckpoint;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.TableCopyResult;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.export.ExportFileUnit;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportManifest;
import io.cutover.dynamodb.export.ExportStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover copy --from-export} and the export backfill of {@code migrate}: loads the files of a
 * DynamoDB export (DynamoDB JSON or Ion, gzip) into an existing target table with the same pipeline as
 * the Scan-based copy ({@link BulkCopier}: one unit per export file, throttle, dead letters, progress,
 * a checkpoint per file, resumable after {@code kill -9}). The export is read, never the source table,
 * so the source's read capacity is untouched.
 *
 * <p>{@link #run} blocks; {@link #requestStop} may be called from another thread.
 */
public final class ExportLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ExportLoader.class);
    static final String KIND = "copy-export";

    private final CopySettings settings;
    private final String targetTable;
    private final ExportLocation location;
    private final CopyProgress progress;
    private final ExportStore store;
    private final DynamoDbClient target;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile BulkCopier<?> current;
    private volatile boolean stopRequested;
    private ExportManifest manifest;

    /**
     * @param settings the copy's knobs (state dir, restart, parallelism, write concurrency and rates, page size); its
     *                 table names are not used
     * @param s3       where an {@code s3://} location is read from (role "export")
     */
    public ExportLoader(CopySettings settings, String targetTable, ExportLocation location, DynamoDbEndpoint s3, CopyProgress progress) {
        this.settings = settings;
        this.targetTable = targetTable;
        this.location = location;
        this.progress = progress;
        this.store = ExportStores.open(location, s3);
        this.target = DynamoDbClients.create(settings.target(), settings.maxWritesInFlight() + 4);
    }

    /** The export's manifests, read once and checked (formats, counts). */
    public synchronized ExportManifest manifest() {
        if (manifest == null) {
            manifest = ExportManifest.read(store);
        }
        return manifest;
    }

    public CopyResult run() {
        long start = System.nanoTime();
        ExportManifest export = manifest();
        TableDescription table = new DynamoDbTableDefinitions(target, settings.target(), retry).describe(targetTable)
                .orElseThrow(() -> new CutoverException(ErrorCode.TABLE_NOT_FOUND, "target table '" + targetTable + "' does not exist at "
                        + settings.target().describe() + ": an export holds items, not the table's definition; create the table first"
                        + " (for example cutover copy --schema-only from the source table)"));
        try (StateDirectory state = StateDirectory.open(settings.stateDir())) {
            CheckpointStore checkpoints = new FileCheckpointStore(state.checkpoints());
            String scope = scope();
            jobManifest(checkpoints, scope, export.files().size());
            long earlierDeadLetters = DynamoDbCopier.earlierDeadLetters(state.deadLetters(), settings.restart());
            FileDeadLetterSink deadLetters = new FileDeadLetterSink(state.deadLetters());
            long resumed = checkpoints.loadAll(scope).values().stream().mapToLong(UnitCheckpoint::items).sum();
            progress.tableStarted(location.text(), targetTable, export.itemCount(), resumed);
            List<ExportFileUnit> units = new ArrayList<>();
            for (int i = 0; i < export.files().size(); i++) {
                units.add(new ExportFileUnit(store, export, i, settings.scanPageSize()));
            }
            List<String> warnings = new ArrayList<>();
            double rate = writeRate(export, table, warnings);
            Throttle readThrottle = new Throttle(settings.maxReadRate());
            TableCopyResult result;
            try (DynamoDbBatchWriter writer = new DynamoDbBatchWriter(target, targetTable, settings.writeLimiter(), new Throttle(rate),
                    retry, new DynamoDbErrorClassifier(settings.target()), deadLetters)) {
                var copier = new BulkCopier<>(checkpoints, scope, writer, settings.readers(), readThrottle, progress);
                current = copier;
                if (stopRequested) {
                    copier.requestStop();
                }
                BulkCopyStats stats = copier.run(units);
                current = null;
                result = new TableCopyResult(location.text(), targetTable, "reused", stats.items(), stats.resumedItems(), stats.bytes(),
                        stats.deadLettered(), units.size(), (System.nanoTime() - start) / 1e9, writer.retries(), writer.throttles(),
                        !stats.stopped(), warnings);
            }
            LOG.info("{} -> {}: {} items from {} export files in {} s", location, targetTable, result.items(), units.size(),
                    String.format("%.1f", result.seconds()));
            progress.tableFinished(result);
            return CopyResult.of(List.of(result), (System.nanoTime() - start) / 1e9, settings.stateDir().toString(),
                    state.deadLetters().toString(), earlierDeadLetters, !result.complete());
        }
    }

    private String scope() {
        return "export-" + targetTable;
    }

    /** The state directory holds one export load: the same location and target table, else it is refused. */
    private void jobManifest(CheckpointStore checkpoints, String scope, int files) {
        Optional<JobManifest> existing = JobManifest.load(settings.stateDir());
        if (settings.restart()) {
            checkpoints.clear(scope);
            existing = Optional.empty();
        }
        JobManifest.Entry entry = new JobManifest.Entry(location.text(), targetTable, files);
        if (existing.isPresent()) {
            JobManifest had = existing.get();
            if (!KIND.equals(had.kind()) || !had.tables().equals(List.of(entry))) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + settings.stateDir() + " holds another job ("
                        + had.kind() + " of " + had.tables().stream().map(e -> e.source() + " -> " + e.target()).toList()
                        + "): pass --restart to discard it, or use another --state-dir");
            }
            return;
        }
        new JobManifest(KIND, List.of(entry)).save(settings.stateDir());
    }

    /** Items/s for writes: --max-write-rate, and --write-capacity-percent of a provisioned target (item size from the export). */
    private double writeRate(ExportManifest export, TableDescription table, List<String> warnings) {
        double limit = settings.maxWriteRate();
        if (settings.writeCapacityPercent().isPresent()) {
            if (DynamoDbTableDefinitions.billingMode(table) == BillingMode.PROVISIONED) {
                long wcu = table.provisionedThroughput().writeCapacityUnits();
                Long billed = export.summary().billedSizeBytes();
                double avgItem = billed != null && billed > 0 && export.itemCount() > 0 ? (double) billed / export.itemCount() : 1024;
                double byCapacity = Math.max(1, wcu * settings.writeCapacityPercent().get() / 100.0 / Math.max(1, Math.ceil(avgItem / 1024)));
                limit = limit == 0 ? byCapacity : Math.min(limit, byCapacity);
            } else {
                warnings.add("--write-capacity-percent has no effect on '" + targetTable + "': it is on-demand; use --max-write-rate");
            }
        }
        return limit;
    }

    /** Stops after the pages in flight are acknowledged and checkpointed; the next run resumes. */
    public void requestStop() {
        stopRequested = true;
        BulkCopier<?> c = current;
        if (c != null) {
            c.requestStop();
        }
    }

    @Override
    public void close() {
        store.close();
        target.close();
    }
}
