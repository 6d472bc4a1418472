package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.dynamodb.DynamoDbExporter;
import io.cutover.dynamodb.SourceExporter;
import io.cutover.dynamodb.export.ExportFormat;
import io.cutover.dynamodb.export.ExportLocation;
import io.cutover.dynamodb.export.ExportPlan;
import io.cutover.dynamodb.export.ExportResult;
import io.cutover.dynamodb.export.ExportSource;
import io.cutover.mongodb.MongoExportSource;
import io.cutover.mongodb.MongoSourceUri;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlExportSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cutover export}: any source Cutover reads (a DynamoDB table, a MongoDB collection, a PostgreSQL or MySQL/MariaDB
 * table through its mapping) written as the files of a DynamoDB export, to load later (copy --from-export, ImportTable).
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a DynamoDB table, a MongoDB collection or a SQL table (through its mapping) as the files ExportTableToPointInTime",
                "writes (DynamoDB JSON or Ion, gzip, manifests), to a folder or an S3 prefix, so that it can be loaded later with",
                "cutover copy --from-export or DynamoDB's ImportTable. The items are those cutover migrate would write.",
                "The source is read in parallel units (scan segments, _id ranges, key ranges): an item changed meanwhile may be in its old",
                "or new state. Running the same command again with the same --state-dir resumes a stopped export, unit by unit."},
        footer = {"", "Examples:",
                "  cutover export --source-table orders --to ./orders-export --source-profile prod",
                "  cutover export --endpoint-url http://localhost:8000 --source-table orders --to s3://my-bucket/exports --format ion",
                "  cutover export --source postgresql://app@db:5432/shop --source-table integration_logs --mapping mapping.yaml --to ./logs",
                "  cutover export --source mongodb://db:27017/shop --source-collection orders --key-attribute orderId --to ./orders",
                "", "Exit codes: 0 exported, 1 exported with dead letters, 2 bad flags, 3 source or destination unusable, 4 failed,",
                "130 interrupted (no manifests written; the same command resumes)."})
public final class ExportCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--source", paramLabel = "URI", description = {"Where the data comes from: absent for a DynamoDB table (--source-table);",
            "mongodb://[user:password@]host:port/database for a MongoDB collection (docs/mongodb.md);",
            "postgresql://user:password@host:5432/db, mysql://... or mariadb://... for a SQL table (needs --mapping; docs/sql.md)."})
    String source;

    @Mixin
    MongoSourceOptions mongo;

    @Option(names = "--mapping", paramLabel = "FILE", description = "SQL source: YAML file with a mapping: section (docs/sql.md).")
    Path mapping;

    @Option(names = "--source-table", paramLabel = "NAME", description = "Table to export (DynamoDB, or with a SQL --source the SQL table).")
    String sourceTable;

    @Option(names = "--to", paramLabel = "DIR|s3://BUCKET/PREFIX", required = true, description = "Where to write the export (an AWSDynamoDB/EXPORT-ID/ folder is made in it).")
    String to;

    @Option(names = "--format", paramLabel = "DYNAMODB_JSON|ION", defaultValue = "DYNAMODB_JSON", description = "Item format (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--segments", paramLabel = "N", description = "Units, one data file each: scan segments, _id ranges or key ranges (default: --parallelism).")
    Integer segments;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8", description = "Units read at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--max-read-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Read at most this many items per second (default: no limit).")
    double maxReadRate;

    @Option(names = "--scan-page-size", paramLabel = "N", defaultValue = "1000", description = "DynamoDB source: items per Scan page (default: ${DEFAULT-VALUE}).")
    int scanPageSize;

    @Option(names = "--page-size", paramLabel = "ROWS", defaultValue = "1000", description = "SQL or MongoDB source: rows or documents per page (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/export", description = "Where the split, the finished files and dead letters are kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--restart", description = "Discard the unfinished (or finished) export in --state-dir and write a new one.")
    boolean restart;

    @Option(names = "--dry-run", description = "Check the source and show the split (and what a resume would do); write nothing.")
    boolean dryRun;

    @Mixin
    ExportStoreOptions exportStore;

    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    private ExportLocation location() {
        return ExportLocation.parse("--to", to);
    }

    private io.cutover.dynamodb.DynamoDbEndpoint s3() {
        return exportStore.endpoint(connection.sourceRegion != null ? connection.sourceRegion : connection.region);
    }

    DynamoDbExporter.Settings settings() {
        return new DynamoDbExporter.Settings(connection.source(), sourceTable, location(), s3(), ExportFormat.parse("--format", format),
                Optional.ofNullable(segments), parallelism, maxReadRate, scanPageSize, Optional.of(stateDir), restart);
    }

    SourceExporter.Settings exportSettings() {
        return new SourceExporter.Settings(location(), s3(), ExportFormat.parse("--format", format), Optional.ofNullable(segments), parallelism,
                maxReadRate, Optional.of(stateDir), restart);
    }

    /** Flags that belong to another kind of source are refused, all at once, naming the kind they belong to. */
    private void checkFlags(boolean sql, boolean mongodb) {
        List<String> problems = new ArrayList<>();
        if (source != null && !sql && !mongodb) {
            problems.add("--source '" + MongoSourceUri.mask(source) + "' is not a source this build knows: use mongodb://..., postgresql://...,"
                    + " mysql://... or mariadb://..., or --source-table alone for a DynamoDB table");
        }
        if (mapping != null && !sql) {
            problems.add("--mapping is for a SQL --source (postgresql://, mysql://, mariadb://): drop it");
        }
        if (mongo.collection != null && !mongodb) {
            problems.add("--source-collection is for a mongodb:// --source: use --source-table for a table");
        }
        if (mongodb && sourceTable != null) {
            problems.add("a mongodb:// --source exports a collection: use --source-collection NAME instead of --source-table");
        }
        if (!mongodb && sourceTable == null) {
            problems.add("--source-table NAME is required" + (sql ? " with a SQL --source: the table to export" : " (or --source URI for MongoDB or SQL)"));
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    @Override
    public Integer call() {
        boolean sql = source != null && SqlEndpoint.isSqlUri(source);
        boolean mongodb = MongoSourceUri.isMongo(source);
        checkFlags(sql, mongodb);
        if (!sql && !mongodb) {
            return dynamoDb();
        }
        SourceExporter.Settings settings = exportSettings();
        Printer p = printer();
        try (ExportSource from = sql ? new SqlExportSource(SqlEndpoint.parse(source), sourceTable, SqlRunner.mapping(mapping), pageSize)
                : new MongoExportSource(MongoSourceUri.parse(source), mongo.collection, mongo.mapping(), pageSize);
             ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress() && !dryRun);
             SourceExporter exporter = new SourceExporter(settings, bar)) {
            if (dryRun) {
                p.result(exporter.plan(from), ExportCommand::planText);
                return 0;
            }
            try (StopOnSignal signal = StopOnSignal.install(exporter::requestStop)) {
                return finish(exporter.run(from), p);
            }
        }
    }

    private Integer dynamoDb() {
        DynamoDbExporter.Settings settings = settings();
        Printer p = printer();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress() && !dryRun);
             DynamoDbExporter exporter = new DynamoDbExporter(settings, bar)) {
            if (dryRun) {
                p.result(exporter.plan(), ExportCommand::planText);
                return 0;
            }
            try (StopOnSignal signal = StopOnSignal.install(exporter::requestStop)) {
                return finish(exporter.run(), p);
            }
        }
    }

    private static Integer finish(ExportResult result, Printer p) {
        p.result(result, ExportCommand::text);
        if (!result.status().equals("completed")) {
            // A stopped export wrote no manifests: nothing that could be taken for a complete export.
            return ErrorCode.INTERRUPTED.exitCode();
        }
        return result.deadLettered() > 0 ? 1 : 0;
    }

    static String planText(ExportPlan plan) {
        return String.format(Locale.ROOT, "Plan (dry run: nothing is written)%n  %s -> %s (%s): %d units (one data file each), about %,d items%n%s",
                plan.source(), plan.location(), plan.format(), plan.units(), plan.estimatedItems(),
                plan.resumesExport() == null ? "  a new export\n"
                        : String.format(Locale.ROOT, "  resumes export %s: %d of %d units done%n", plan.resumesExport(), plan.unitsDone(), plan.units()));
    }

    static String text(ExportResult r) {
        return String.format(Locale.ROOT, "Export %s: %,d items of %s in %d files (%s), %.1f s, %,.0f items/s%n  at %s%n"
                        + "%s%s%s", r.status(), r.items(), r.sourceTable(),
                r.files(), r.format(), r.seconds(), r.itemsPerSecond(), r.location(),
                r.resumedItems() > 0 ? String.format(Locale.ROOT, "  %,d items were in files that earlier runs finished%n", r.resumedItems()) : "",
                r.deadLettered() > 0 ? String.format(Locale.ROOT, "  %,d rows or items not exported, each with its reason in %s%n", r.deadLettered(),
                        r.deadLetterFile()) : "",
                r.status().equals("completed") ? "  load it with: cutover copy --from-export " + r.location() + " --target-table TABLE\n"
                        : "  stopped: no manifests were written, nothing here can be loaded yet; run the same command again to resume\n");
    }
}
