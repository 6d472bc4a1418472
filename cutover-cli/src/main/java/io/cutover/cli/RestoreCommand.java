package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.archive.ArchiveFileReader;
import io.cutover.core.archive.ArchiveManifest;
import io.cutover.core.archive.ArchiveStore;
import io.cutover.core.archive.ChangeFinder;
import io.cutover.core.archive.RestorePoint;
import io.cutover.core.result.VerifyResult;
import io.cutover.dynamodb.DynamoDbNativeRestore;
import io.cutover.dynamodb.DynamoDbRestore;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover restore}: rebuilds a table as it was at a point in time, from a Cutover archive, into a new table. */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Restore a table as it was at a time (or a log position) from a Cutover archive into a new DynamoDB table, or with --into-source"
                        + " into a PostgreSQL/MySQL/MariaDB table or a MongoDB collection (docs/restore.md).",
                "Resumable: run the same command again after a stop or a kill -9."},
        footer = {"", "Examples:",
                "  cutover restore --archive ./archive --to-time 2026-12-01T10:15:30Z --target-table orders-restored --dry-run",
                "  cutover restore --archive ./archive --to-time 2026-12-01T10:15:30Z --target-table orders-restored --verify",
                "  cutover restore --archive ./archive --to-time 2026-12-01T10:15:30Z --into-source postgresql://app@db:5432/shop \\",
                "      --mapping mapping.yaml --target-table accounts_restored --verify",
                "", "Exit codes: 0 restored (and identical with --verify), 1 dead letters or differences, 2 bad flags or a point the archive",
                "cannot reach, 3 a missing or corrupt archive file or an unusable target, 4 failed, 130 interrupted.",
                "--native: 0 restored with every setting re-applied, 1 a setting not re-applied, 3 UNSUPPORTED (no point-in-time recovery there)."})
public final class RestoreCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    @Mixin
    ArchiveStoreOptions archive;

    @Option(names = "--to-time", paramLabel = "INSTANT", description = "Restore as of this time, ISO-8601 UTC (2026-12-01T10:15:30Z); one-second precision.")
    String toTime;

    @Option(names = "--to-position", paramLabel = "SEQ", description = "Restore up to and including this change-log sequence.")
    Long toPosition;

    @Option(names = "--before-change", paramLabel = "ATTR=VALUE[,...]", description = {"Restore to just before the first archived change"
            + " whose key (or new image) has these values, for example 'pk=order#42' (the way to undo a bad write)."})
    String beforeChange;

    @Option(names = "--target-table", required = true, paramLabel = "NAME", description = {"The new table to restore into (must not exist);",
            "with --into-source, the SQL table (it must exist, empty unless --replace) or the MongoDB collection (empty or absent unless --replace)."})
    String targetTable;

    @Option(names = "--into-source", paramLabel = "URI", description = {"Restore back into a store of a source's kind instead of DynamoDB,"
            + " through the migration's mapping read backwards: postgresql://user:password@host:5432/db, mysql://..., mariadb://..."
            + " (with --mapping) or mongodb://[user:password@]host:port/database (docs/restore.md#restoring-into-a-source)."})
    String intoSource;

    @Option(names = "--mapping", paramLabel = "FILE", description = "With a SQL --into-source: the YAML mapping the migration used (docs/sql.md).")
    Path mapping;

    @Option(names = "--key-attribute", paramLabel = "NAME", description = {"With a mongodb:// --into-source: the item attribute that holds"
            + " the document's _id, as the migration's --key-attribute (default: the archive's partition key)."})
    String keyAttribute;

    @Option(names = "--version-attribute", paramLabel = "NAME", defaultValue = io.cutover.core.version.VersionAttribute.DEFAULT_NAME,
            description = "With a SQL --into-source: the version column of a table in a phased cut-over, kept as archived (default: ${DEFAULT-VALUE}).")
    String versionAttribute;

    @Option(names = "--replace", description = {"With --into-source: restore into a table or collection that holds data, making it equal to"
            + " the archive at the point: what the point does not hold is deleted, the rest overwritten."})
    boolean replace;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/restore", description = "Where the worked-out state and checkpoints are kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "8", description = "Row ranges written at once (default: ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--write-concurrency", paramLabel = "N", defaultValue = "16", description = "BatchWriteItem requests in flight (default: ${DEFAULT-VALUE}).")
    int writeConcurrency;

    @Option(names = "--native", description = {"Use DynamoDB's own point-in-time recovery (RestoreTableToPointInTime) from --source-table"
            + " instead of an archive, then re-apply what it drops: stream, TTL, tags, deletion protection, autoscaling. AWS only"
            + " (DynamoDB Local has no point-in-time recovery); --to-time, or the latest restorable time without it."})
    boolean nativeRestore;

    @Option(names = "--source-table", paramLabel = "NAME", description = "With --native: the table to restore (point-in-time recovery enabled), in the target's account and region.")
    String sourceTable;

    @Option(names = "--dry-run", description = "Print the plan (base, changes to replay, expected items and bytes) and write nothing to the target.")
    boolean dryRun;

    @Option(names = "--verify", description = "After restoring (or instead, if already restored), compare the table with the archive's state at the point.")
    boolean verify;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() {
        if (nativeRestore) {
            return nativeRestore();
        }
        if (sourceTable != null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is for --native; an archive restore reads the table from --archive");
        }
        archive.check();
        checkIntoSourceFlags();
        try (ArchiveStore store = archive.open(connection.targetRegion != null ? connection.targetRegion : connection.region)) {
            return intoSource != null ? restoreIntoSource(store) : restore(store);
        }
    }

    /** Flags that belong to --into-source, and the URI's kind, checked together before anything is opened (exit 2). */
    private void checkIntoSourceFlags() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (intoSource == null) {
            if (mapping != null || keyAttribute != null || replace) {
                problems.add("--mapping, --key-attribute and --replace go with --into-source URI; a restore into DynamoDB writes a new table");
            }
        } else if (io.cutover.sql.source.SqlEndpoint.isSqlUri(intoSource)) {
            if (mapping == null) {
                problems.add("--into-source " + io.cutover.mongodb.MongoSourceUri.mask(intoSource) + " needs --mapping FILE: the mapping the"
                        + " migration used, read backwards to turn items into rows (docs/sql.md)");
            }
            if (keyAttribute != null) {
                problems.add("--key-attribute is for a mongodb:// --into-source; a SQL table's key comes from --mapping");
            }
        } else if (io.cutover.mongodb.MongoSourceUri.isMongo(intoSource)) {
            if (mapping != null) {
                problems.add("--mapping is for a SQL --into-source; a MongoDB collection takes --key-attribute (default: the archive's key)");
            }
        } else {
            problems.add("--into-source must be postgresql://..., mysql://..., mariadb://... or mongodb://..., was '"
                    + io.cutover.mongodb.MongoSourceUri.mask(intoSource) + "'");
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    /** {@code --into-source}: the same plan and state, written into a SQL table or a MongoDB collection (decision 0180). */
    private Integer restoreIntoSource(ArchiveStore store) {
        RestorePoint point = point(store);
        io.cutover.core.archive.StoreRestore.Settings settings = new io.cutover.core.archive.StoreRestore.Settings(store, point, targetTable,
                stateDir, parallelism, writeConcurrency, replace);
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             io.cutover.core.archive.StoreRestore restore = new io.cutover.core.archive.StoreRestore(settings, intoSourceTarget(store))) {
            return run(restore, bar);
        }
    }

    private io.cutover.core.archive.RestoreTarget intoSourceTarget(ArchiveStore store) {
        if (io.cutover.sql.source.SqlEndpoint.isSqlUri(intoSource)) {
            return new io.cutover.sql.store.SqlRestoreTarget(io.cutover.sql.source.SqlEndpoint.parse(intoSource), targetTable,
                    SqlRunner.mapping(mapping), io.cutover.core.version.VersionAttribute.of(versionAttribute));
        }
        ArchiveManifest manifest = ArchiveManifest.require(store);
        if (manifest.keyNames().size() != 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "the archive's items have a sort key " + manifest.keyNames() + ": a MongoDB"
                    + " collection is restored by _id alone (docs/decisions/0140); restore into DynamoDB or a SQL table instead");
        }
        String key = keyAttribute != null ? keyAttribute : manifest.keyNames().get(0);
        return new io.cutover.mongodb.MongoRestoreTarget(io.cutover.mongodb.MongoSourceUri.parse(intoSource), targetTable,
                io.cutover.mongodb.DocumentMapping.byId(key));
    }

    private Integer restore(ArchiveStore store) {
        DynamoDbRestore.Settings settings = new DynamoDbRestore.Settings(connection.target(), store, point(store), targetTable, stateDir,
                parallelism, writeConcurrency);
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             DynamoDbRestore restore = new DynamoDbRestore(settings)) {
            return run(restore, bar);
        }
    }

    /** Runs a restore of either kind as the command promises: the plan with --dry-run, Ctrl-C stops at a checkpoint, --verify. */
    private Integer run(io.cutover.core.archive.Restore restore, ProgressBar bar) {
        if (dryRun) {
            printer().result(restore.dryRun(), RestoreCommand::text);
            return 0;
        }
        io.cutover.core.result.RestoreResult r;
        try (StopOnSignal signal = StopOnSignal.install(restore::requestStop)) {
            r = restore.run(bar);
        }
        bar.finish();
        printer().result(r, RestoreCommand::text);
        if (!r.status().startsWith("completed")) {
            throw new CutoverException(ErrorCode.INTERRUPTED, "restore stopped: run the same command again to resume");
        }
        if (verify) {
            VerifyResult v = restore.verify(io.cutover.core.copy.CopyProgress.NONE);
            printer().result(v, VerifyCommand::text);
            return v.identical() && r.status().equals("completed") ? 0 : 1;
        }
        return r.status().equals("completed") ? 0 : 1;
    }

    /** {@code --native}: every flag checked first (exit 2), then DynamoDB's restore and the settings it drops. */
    private Integer nativeRestore() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (archive.given()) {
            problems.add("--native restores from DynamoDB's own point-in-time recovery: drop --archive and its flags");
        }
        if (sourceTable == null) {
            problems.add("--native needs --source-table NAME: the table whose point-in-time recovery to restore from");
        }
        if (toPosition != null || beforeChange != null) {
            problems.add("--to-position and --before-change need an archive; with --native give --to-time, or nothing for the latest time");
        }
        if (dryRun || verify) {
            problems.add("--dry-run and --verify are for archive restores: a native restore has no plan of its own to print or compare");
        }
        if (intoSource != null || replace) {
            problems.add("--into-source and --replace restore from an archive: a native restore writes a new DynamoDB table");
        }
        java.util.Optional<Instant> time = java.util.Optional.empty();
        if (toTime != null) {
            try {
                time = java.util.Optional.of(Instant.parse(toTime));
            } catch (DateTimeParseException e) {
                problems.add("--to-time must be an ISO-8601 UTC instant such as 2026-12-01T10:15:30Z, was '" + toTime + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
        io.cutover.dynamodb.DynamoDbEndpoint side = connection.target();
        DynamoDbNativeRestore.Settings settings = new DynamoDbNativeRestore.Settings(side, sourceTable, targetTable, time,
                java.time.Duration.ofHours(12));
        try (var dynamoDb = io.cutover.dynamodb.DynamoDbClients.create(side, 4);
             var autoScaling = io.cutover.dynamodb.DynamoDbClients.createAutoScaling(side)) {
            DynamoDbNativeRestore.Result r = new DynamoDbNativeRestore(settings, dynamoDb, autoScaling,
                    io.cutover.core.retry.RetryPolicy.defaults()).run();
            printer().result(r, RestoreCommand::nativeText);
            return r.settings().warnings().isEmpty() ? 0 : 1;
        }
    }

    static String nativeText(DynamoDbNativeRestore.Result r) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Restored %s into %s as of %s (native, %.0f s)%n", r.sourceTable(),
                r.targetTable(), r.restoredTo(), r.seconds()));
        r.settings().applied().forEach(a -> b.append("  re-applied ").append(a).append('\n'));
        r.settings().warnings().forEach(w -> b.append("  NOT re-applied: ").append(w).append('\n'));
        return b.toString();
    }

    private RestorePoint point(ArchiveStore store) {
        if ((toTime == null ? 0 : 1) + (toPosition == null ? 0 : 1) + (beforeChange == null ? 0 : 1) != 1) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "give exactly one of --to-time 2026-12-01T10:15:30Z, --to-position SEQ"
                    + " and --before-change ATTR=VALUE");
        }
        if (beforeChange != null) {
            Map<String, String> match = ChangeFinder.parse("--before-change", beforeChange);
            long seq = new ChangeFinder(ArchiveManifest.require(store), new ArchiveFileReader(store)).first(match)
                    .orElseThrow(() -> new CutoverException(ErrorCode.CONFIG_INVALID, "no archived change matches --before-change '"
                            + beforeChange + "': check the attribute names and values (numbers as written, strings without quotes)"));
            printer().note("the first change matching " + beforeChange + " is log position " + seq + "; restoring to position " + (seq - 1));
            return RestorePoint.atSequence(seq - 1);
        }
        if (toPosition != null) {
            return RestorePoint.atSequence(toPosition);
        }
        try {
            return RestorePoint.at(Instant.parse(toTime));
        } catch (DateTimeParseException e) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--to-time must be an ISO-8601 UTC instant such as 2026-12-01T10:15:30Z, was '"
                    + toTime + "'");
        }
    }

    static String text(io.cutover.core.result.RestoreResult r) {
        return String.format(Locale.ROOT, "Restore to %s into %s: %s%n  base %s (%,d items), %,d changes replayed%n"
                        + "  expected %,d items, %,d bytes; %,d items written in %.1f s%n", r.point(), r.targetTable(), r.status(), r.base(),
                r.baseItems(), r.changesReplayed(), r.expectedItems(), r.expectedBytes(), r.itemsWritten(), r.seconds())
                + (r.itemsDeleted() == 0 ? "" : String.format(Locale.ROOT, "  --replace: %,d items the point does not hold %s%n",
                r.itemsDeleted(), r.status().equals("planned") ? "would be deleted" : "deleted"));
    }
}
