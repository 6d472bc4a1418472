package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.export.ExportDataFile;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportManifest;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.dynamodb.export.ExportStore;
import io.cutover.dynamodb.export.SnapshotExporter;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover export} for a DynamoDB table: a parallel Scan written as the files ExportTableToPointInTime
 * writes ({@code AWSDynamoDB/ExportId/} with {@code data/*.json.gz} or {@code *.ion.gz}, manifest-files.json,
 * manifest-summary.json), one data file per scan segment, so that {@code copy --from-export}, DynamoDB's
 * ImportTable or any reader of DynamoDB exports can load it later. The manifests are written last: an export
 * that stopped has none and is never taken for complete. Not resumable: a stopped export is run again.
 *
 * <p>{@link #run} blocks; {@link #requestStop} may be called from another thread.
 */
public final class DynamoDbExporter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbExporter.class);

    /**
     * What {@code cutover export} needs, validated once (every problem together, each naming its flag). Immutable.
     *
     * @param segments scan segments, one data file each; empty: --parallelism
     */
    public record Settings(DynamoDbEndpoint source, String table, ExportLocation location, DynamoDbEndpoint s3, ExportFormat format,
                           Optional<Integer> segments, int parallelism, double maxReadRate, int scanPageSize) {
        public Settings {
            List<String> problems = new ArrayList<>();
            DynamoDbTableName.problem("--source-table", table).ifPresent(problems::add);
            segments.ifPresent(s -> {
                if (s < 1 || s > 100_000) {
                    problems.add("--segments must be between 1 and 100000, was " + s);
                }
            });
            if (parallelism < 1 || parallelism > 1024) {
                problems.add("--parallelism must be between 1 and 1024, was " + parallelism);
            }
            if (maxReadRate < 0) {
                problems.add("--max-read-rate must be 0 (no limit) or more items/s, was " + maxReadRate);
            }
            if (scanPageSize < 1 || scanPageSize > 10_000) {
                problems.add("--scan-page-size must be between 1 and 10000, was " + scanPageSize);
            }
            if (!problems.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
            }
        }
    }

    private final Settings settings;
    private final CopyProgress progress;
    private final DynamoDbClient source;
    private final ExportStore store;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile boolean stop;

    public DynamoDbExporter(Settings settings, CopyProgress progress) {
        this.settings = settings;
        this.progress = progress;
        this.source = DynamoDbClients.create(settings.source(), settings.parallelism() + 4);
        this.store = ExportStores.open(settings.location(), settings.s3());
    }

    public ExportResult run() {
        long started = System.nanoTime();
        Instant startTime = Instant.now();
        TableDescription table = new DynamoDbTableDefinitions(source, settings.source(), retry).read(settings.table()).description();
        String exportId = String.format("%014d-%08x", startTime.toEpochMilli(), ThreadLocalRandom.current().nextInt());
        String folder = "AWSDynamoDB/" + exportId + "/";
        closeQuietly(store.create(folder + "_started"));
        int segments = settings.segments().orElse(settings.parallelism());
        progress.tableStarted(settings.table(), settings.location().text(), table.itemCount() == null ? 0 : table.itemCount(), 0);
        SnapshotExporter exporter = new SnapshotExporter(store, settings.format(), settings.parallelism(),
                new Throttle(settings.maxReadRate()), progress, () -> stop);
        List<DynamoDbScanSegment> units = new ArrayList<>();
        for (int s = 0; s < segments; s++) {
            units.add(new DynamoDbScanSegment(source, settings.table(), s, segments, settings.scanPageSize(), retry,
                    new DynamoDbErrorClassifier(settings.source()), RetryListener.NONE));
        }
        List<ExportDataFile> files = exporter.write(folder, units);
        long billed = exporter.billedBytes();
        long items = files.stream().mapToLong(ExportDataFile::itemCount).sum();
        double seconds = (System.nanoTime() - started) / 1e9;
        String arn = table.tableArn() + "/export/" + exportId;
        if (stop) {
            return new ExportResult("stopped", settings.table(), store.describe(folderName(folder)), arn, startTime.toString(),
                    settings.format().name(), files.size(), items, billed, seconds, items / Math.max(seconds, 1e-9));
        }
        // exportTime is the Scan's start: every item is at least that new (docs/decisions/0150-export-files.md).
        ExportManifest.Summary summary = new ExportManifest.Summary("2020-06-30", arn, startTime.toString(), Instant.now().toString(),
                table.tableArn(), table.tableId(), startTime.toString(), settings.location().bucket().orElse(null),
                settings.location().isS3() ? settings.location().prefix() : null, null, null, folder + ExportManifest.FILES,
                billed, items, settings.format().name(), "FULL_EXPORT");
        new ExportManifest(folder, summary, files).write(store);
        String location = store.describe(folderName(folder));
        LOG.info("exported {} items of {} to {} in {} s", items, settings.table(), location, String.format("%.1f", seconds));
        return new ExportResult("completed", settings.table(), location, arn, startTime.toString(), settings.format().name(), files.size(),
                items, billed, seconds, items / Math.max(seconds, 1e-9));
    }

    /** The folder without its trailing slash, as a user would type it. */
    private static String folderName(String folder) {
        return folder.substring(0, folder.length() - 1);
    }

    private static void closeQuietly(java.io.OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "cannot write the export's _started file: " + e.getMessage(), e);
        }
    }

    /** Stops after the pages in flight; the export is then incomplete (no manifests) and must be run again. */
    public void requestStop() {
        stop = true;
    }

    @Override
    public void close() {
        source.close();
        store.close();
    }
}
