package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.SnapshotUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.retry.RetryListener;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportPlan;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.dynamodb.export.ExportSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover export} for a DynamoDB table: a parallel Scan written as the files ExportTableToPointInTime
 * writes ({@code AWSDynamoDB/ExportId/} with {@code data/*.json.gz} or {@code *.ion.gz}, manifest-files.json,
 * manifest-summary.json), one data file per scan segment, so that {@code copy --from-export}, DynamoDB's
 * ImportTable or any reader of DynamoDB exports can load it later. The writing, the manifests and the resume per
 * segment are {@link SourceExporter}'s; this class is the DynamoDB table as its {@link ExportSource}.
 *
 * <p>{@link #run} blocks; {@link #requestStop} may be called from another thread.
 */
public final class DynamoDbExporter implements AutoCloseable {
    /**
     * What {@code cutover export} needs, validated once (every problem together, each naming its flag). Immutable.
     *
     * @param segments scan segments, one data file each; empty: --parallelism
     */
    public record Settings(DynamoDbEndpoint source, String table, ExportLocation location, DynamoDbEndpoint s3, ExportFormat format,
                           Optional<Integer> segments, int parallelism, double maxReadRate, int scanPageSize, Optional<Path> stateDir,
                           boolean restart) {
        /** Not resumable: no state directory (tests and benchmarks that export once). */
        public Settings(DynamoDbEndpoint source, String table, ExportLocation location, DynamoDbEndpoint s3, ExportFormat format,
                        Optional<Integer> segments, int parallelism, double maxReadRate, int scanPageSize) {
            this(source, table, location, s3, format, segments, parallelism, maxReadRate, scanPageSize, Optional.empty(), false);
        }

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
    private final SourceExporter exporter;
    private final RetryPolicy retry = RetryPolicy.defaults();

    public DynamoDbExporter(Settings settings, CopyProgress progress) {
        this.settings = settings;
        this.progress = progress;
        this.source = DynamoDbClients.create(settings.source(), settings.parallelism() + 4);
        this.exporter = new SourceExporter(new SourceExporter.Settings(settings.location(), settings.s3(), settings.format(),
                settings.segments(), settings.parallelism(), settings.maxReadRate(), settings.stateDir(), settings.restart()), progress);
    }

    public ExportResult run() {
        return exporter.run(new TableSource());
    }

    /** {@code --dry-run}: the table checked, its segments, the export the state directory would resume; nothing written. */
    public ExportPlan plan() {
        return exporter.plan(new TableSource());
    }

    /** The table as an export source: one unit per scan segment; the split is the number of segments. */
    private final class TableSource implements ExportSource {
        private TableDescription table;

        @Override
        public String name() {
            return settings.table();
        }

        @Override
        public void check() {
            table = new DynamoDbTableDefinitions(source, settings.source(), retry).read(settings.table()).description();
        }

        @Override
        public long estimatedItems() {
            return table.itemCount() == null ? 0 : table.itemCount();
        }

        @Override
        public List<String> split(int units) {
            return List.of(String.valueOf(units));
        }

        @Override
        public List<SnapshotUnit> units(List<String> split, Function<String, DeadLetterSink> deadLettersFor) {
            int segments = Integer.parseInt(split.get(0));
            List<SnapshotUnit> units = new ArrayList<>();
            for (int s = 0; s < segments; s++) {
                units.add(new DynamoDbScanSegment(source, settings.table(), s, segments, settings.scanPageSize(), retry,
                        new DynamoDbErrorClassifier(settings.source()), RetryListener.NONE));
            }
            return units;
        }

        @Override
        public Optional<String> tableArn() {
            return Optional.ofNullable(table.tableArn());
        }

        @Override
        public Optional<String> tableId() {
            return Optional.ofNullable(table.tableId());
        }

        @Override
        public void close() {
            // the client is the exporter's
        }
    }

    /** Stops after the pages in flight; the export is then incomplete (no manifests) and resumes when run again. */
    public void requestStop() {
        exporter.requestStop();
    }

    @Override
    public void close() {
        source.close();
        exporter.close();
    }
}
