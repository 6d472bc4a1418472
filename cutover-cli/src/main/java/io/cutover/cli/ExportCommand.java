package io.cutover.cli;

import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportResult;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover export}: a DynamoDB table written as the files of a DynamoDB export, to load later (copy --from-export, ImportTable). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a DynamoDB table as the files ExportTableToPointInTime writes (DynamoDB JSON or Ion, gzip, manifests),",
                "to a folder or an S3 prefix, so that it can be loaded later with cutover copy --from-export or DynamoDB's ImportTable.",
                "The items are read with a parallel Scan: an item changed while it runs may be in its old or new state."},
        footer = {"", "Examples:",
                "  cutover export --source-table orders --to ./orders-export --source-profile prod",
                "  cutover export --endpoint-url http://localhost:8000 --source-table orders --to s3://my-bucket/exports --format ion",
                "", "Exit codes: 0 exported, 2 bad flags, 3 source or destination unusable, 4 failed, 130 interrupted (nothing loadable written)."})
public final class ExportCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--source-table", paramLabel = "NAME", required = true, description = "Table to export.")
    String sourceTable;

    @Option(names = "--to", paramLabel = "DIR|s3://BUCKET/PREFIX", required = true, description = "Where to write the export (an AWSDynamoDB/EXPORT-ID/ folder is made in it).")
    String to;

    @Option(names = "--format", paramLabel = "DYNAMODB_JSON|ION", defaultValue = "DYNAMODB_JSON", description = "Item format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--segments", paramLabel = "N", description = "Scan segments, one data file each (default: --parallelism).")
    Integer segments;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8", description = "Segments scanned at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--max-read-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Read at most this many items per second (default: no limit).")
    double maxReadRate;

    @Option(names = "--scan-page-size", paramLabel = "N", defaultValue = "1000", description = "Items per Scan page (default: ${DEFAULT-VALUE}).")
    int scanPageSize;

    @Mixin
    ExportStoreOptions exportStore;

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    DynamoDbExporter.Settings settings() {
        return new DynamoDbExporter.Settings(connection.source(), sourceTable, ExportLocation.parse("--to", to),
                exportStore.endpoint(connection.sourceRegion != null ? connection.sourceRegion : connection.region),
                ExportFormat.parse("--format", format), Optional.ofNullable(segments), parallelism, maxReadRate, scanPageSize);
    }

    @Override
    public Integer call() {
        DynamoDbExporter.Settings settings = settings();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             DynamoDbExporter exporter = new DynamoDbExporter(settings, bar)) {
            try (StopOnSignal signal = StopOnSignal.install(exporter::requestStop)) {
                ExportResult result = exporter.run();
                printer().result(result, ExportCommand::text);
                // A stopped export wrote no manifests: nothing that could be taken for a complete export.
                return result.status().equals("completed") ? 0 : ErrorCode.INTERRUPTED.exitCode();
            }
        }
    }

    static String text(ExportResult r) {
        return String.format(Locale.ROOT, "Export %s: %,d items of %s in %d files (%s), %.1f s, %,.0f items/s%n  at %s%n"
                        + "%s", r.status(), r.items(), r.sourceTable(),
                r.files(), r.format(), r.seconds(), r.itemsPerSecond(), r.location(),
                r.status().equals("completed") ? "  load it with: cutover copy --from-export " + r.location() + " --target-table TABLE\n"
                        : "  stopped: no manifests were written, nothing here can be loaded; run the export again\n");
    }
}
