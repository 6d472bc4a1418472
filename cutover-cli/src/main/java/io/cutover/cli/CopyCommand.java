package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.CopyPlan;
import io.cutover.core.result.CopyResult;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbCopier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover copy}: copies DynamoDB tables, schema and data, between any two endpoints; resumable. */
@Command(name = "copy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy DynamoDB tables (schema and data) from one account, region or endpoint to another.",
                "Running the same command again with the same --state-dir resumes an unfinished copy."},
        footer = {"", "Examples:",
                "  cutover copy --source-table orders --target-table orders-v2 --source-profile prod --target-profile staging",
                "  cutover copy --endpoint-url http://localhost:8000 --rename-prefix prod-=test- --dry-run",
                "", "Exit codes: 0 copied, 1 copied but some items dead-lettered, 2 bad flags, 3 source/target unusable, 4 failed, 130 interrupted."})
public final class CopyCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Option(names = "--source-table", paramLabel = "NAME", description = "Table to copy.")
    String sourceTable;

    @Option(names = "--target-table", paramLabel = "NAME", description = "Name of the copy (default: same as --source-table).")
    String targetTable;

    @Option(names = "--table-map", paramLabel = "SRC=DST", split = ",", description = "Copy SRC to DST; repeat (or separate with commas) for several tables.")
    List<String> tableMap = List.of();

    @Option(names = "--rename-prefix", paramLabel = "FROM=TO", split = ",", description = "Copy every source table whose name starts with FROM to TO + the rest of its name.")
    List<String> renamePrefix = List.of();

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/copy", description = "Where checkpoints and dead letters are kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--restart", description = "Discard the state of an unfinished copy in --state-dir and start over.")
    boolean restart;

    @Option(names = "--schema-only", description = "Create or check the target tables; copy no items.")
    boolean schemaOnly;

    @Option(names = "--data-only", description = "Copy items into existing target tables; create nothing.")
    boolean dataOnly;

    @Option(names = "--segments", paramLabel = "N", description = "Scan segments per table (default: one per 256 MiB, at least 32 with --parallelism auto, else at least --parallelism).")
    Integer segments;

    @Option(names = "--parallelism", paramLabel = "N|auto", defaultValue = "auto", converter = WriteConcurrencyConverter.class,
            description = "Segments (export files) read at once per table (default: auto, found between 1 and 32 as the copy goes).")
    int parallelism;

    @Option(names = "--write-concurrency", paramLabel = "N|auto", defaultValue = "auto", converter = WriteConcurrencyConverter.class,
            description = "BatchWriteItem requests in flight per table (default: auto, found between 1 and 64 as the target absorbs them).")
    int writeConcurrency;

    @Option(names = "--max-write-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Write at most this many items per second (default: no limit; slows down by itself when throttled).")
    double maxWriteRate;

    @Option(names = "--write-capacity-percent", paramLabel = "PCT", description = "Use at most PCT%% of a provisioned target's write capacity.")
    Integer writeCapacityPercent;

    @Option(names = "--max-read-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Read at most this many items per second from the source (default: no limit).")
    double maxReadRate;

    @Option(names = "--scan-page-size", paramLabel = "N", defaultValue = "1000", description = "Items per Scan page (default: ${DEFAULT-VALUE}).")
    int scanPageSize;

    @Option(names = "--no-pass-through", description = "Build every item as attribute values and write it through the SDK's "
            + "marshaller (the object path), instead of passing each item's bytes from Scan to BatchWriteItem unchanged. "
            + "Slower; for a problem with the pass-through path (docs/copy.md).")
    boolean noPassThrough;

    @Option(names = "--dry-run", description = "Print the plan (tables, actions, segments, limits) and change nothing.")
    boolean dryRun;

    @Option(names = "--from-export", paramLabel = "DIR|s3://BUCKET/PREFIX", description = {"Load the files of a DynamoDB export (DynamoDB JSON or Ion,"
            + " gzip) into the existing --target-table instead of scanning a source table: one unit per export file, resumable (docs/export.md)."})
    String fromExport;

    @Mixin
    ExportStoreOptions exportStore;




    @Mixin
    OutputOptions output;

    @Override
    public Printer printer() {
        return output.printer();
    }

    CopySettings settings() {
        Map<String, String> pairs = new LinkedHashMap<>();
        if (sourceTable != null) {
            pairs.put(sourceTable, targetTable != null ? targetTable : sourceTable);
        } else if (targetTable != null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--target-table needs --source-table");
        }
        pairs.putAll(parsePairs("--table-map", tableMap));
        return new CopySettings(connection.source(), connection.target(), pairs, parsePairs("--rename-prefix", renamePrefix),
                stateDir, schemaOnly, dataOnly, restart, Optional.ofNullable(segments), parallelism, writeConcurrency,
                maxWriteRate, Optional.ofNullable(writeCapacityPercent), maxReadRate, scanPageSize, !noPassThrough);
    }

    /** {@code --from-export}: the flags that name a source table or shape a Scan make no sense and are refused, all at once. */
    private Integer fromExport() {
        List<String> problems = new java.util.ArrayList<>();
        if (targetTable == null) {
            problems.add("--from-export needs --target-table NAME: the existing table to load the export into");
        }
        if (sourceTable != null || !tableMap.isEmpty() || !renamePrefix.isEmpty()) {
            problems.add("--from-export reads no source table: drop --source-table, --table-map and --rename-prefix");
        }
        if (schemaOnly || dataOnly) {
            problems.add("--from-export loads items into an existing table: drop --schema-only and --data-only");
        }
        if (segments != null) {
            problems.add("--from-export has one unit per export file: drop --segments");
        }
        io.cutover.dynamodb.export.ExportLocation location = null;
        try {
            location = io.cutover.dynamodb.export.ExportLocation.parse("--from-export", fromExport);
        } catch (CutoverException e) {
            problems.add(e.getMessage());
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        CopySettings settings = new CopySettings(connection.source(), connection.target(), Map.of(targetTable, targetTable), Map.of(),
                stateDir, false, false, restart, Optional.empty(), parallelism, writeConcurrency, maxWriteRate,
                Optional.ofNullable(writeCapacityPercent), maxReadRate, scanPageSize, !noPassThrough);
        Printer p = printer();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress() && !dryRun);
             io.cutover.dynamodb.ExportLoader loader = new io.cutover.dynamodb.ExportLoader(settings, targetTable, location,
                     exportStore.endpoint(connection.targetRegion != null ? connection.targetRegion : connection.region), bar)) {
            if (dryRun) {
                var m = loader.manifest();
                p.result(new ExportPlan(location.text(), m.format().name(), m.summary().exportTime(), m.summary().tableArn(), m.files().size(),
                        m.itemCount(), targetTable), ExportPlan::text);
                return 0;
            }
            try (StopOnSignal signal = StopOnSignal.install(loader::requestStop)) {
                CopyResult result = loader.run();
                p.result(result, TextReports::copy);
                return switch (result.status()) {
                    case "completed" -> 0;
                    case "completed_with_dead_letters" -> 1;
                    default -> ErrorCode.INTERRUPTED.exitCode();
                };
            }
        }
    }

    /** What {@code copy --from-export --dry-run} prints: the export as its manifests describe it. */
    record ExportPlan(String export, String format, String exportTime, String tableArn, int files, long items, String targetTable) {
        String text() {
            return String.format(java.util.Locale.ROOT, "Plan (dry run: nothing is changed)%n  %s -> %s: %,d items in %d %s files,"
                    + " the table %s as of %s%n", export, targetTable, items, files, format, tableArn, exportTime);
        }
    }

    static Map<String, String> parsePairs(String flag, List<String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String v : values) {
            int eq = v.indexOf('=');
            if (eq <= 0 || eq == v.length() - 1 && !flag.equals("--rename-prefix")) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " '" + v + "' must look like "
                        + (flag.equals("--rename-prefix") ? "FROM=TO, for example prod-=staging-" : "SRC=DST, for example orders=orders-v2"));
            }
            out.put(v.substring(0, eq), v.substring(eq + 1));
        }
        return out;
    }

    @Override
    public Integer call() {
        if (fromExport != null) {
            return fromExport();
        }
        CopySettings settings = settings();
        Printer p = printer();
        boolean showProgress = output.progress() && !dryRun;
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), showProgress);
             DynamoDbCopier copier = new DynamoDbCopier(settings, bar, List.of())) {
            if (dryRun) {
                CopyPlan plan = copier.plan();
                p.result(plan, TextReports::plan);
                return plan.ok() ? 0 : ErrorCode.TARGET_INCOMPATIBLE.exitCode();
            }
            try (StopOnSignal signal = StopOnSignal.install(copier::requestStop)) {
                CopyResult result = copier.run();
                p.result(result, TextReports::copy);
                return switch (result.status()) {
                    case "completed" -> 0;
                    case "completed_with_dead_letters" -> 1;
                    default -> ErrorCode.INTERRUPTED.exitCode();
                };
            }
        }
    }
}
