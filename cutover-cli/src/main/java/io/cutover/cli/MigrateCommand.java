package io.cutover.cli;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.result.MigrationStatus;
import io.cutover.dynamodb.CopySettings;
import io.cutover.dynamodb.DynamoDbMigration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cutover migrate}: a live DynamoDB-to-DynamoDB migration, resumable from any phase. */
@Command(name = "migrate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Migrate a table live into DynamoDB (from DynamoDB, MongoDB, PostgreSQL or MySQL/MariaDB): capture its changes, copy it, apply every change, stay in step.",
                "Phases: PREPARE, CAPTURE, BACKFILL, CATCH_UP, IN_SYNC; then it keeps replicating until stopped (Ctrl-C).",
                "Running the same command again resumes from the phase it was in, after a clean stop or a kill -9."},
        footer = {"", "Exit codes: 0 reached the requested phase, 1 reached it with dead letters, 2 bad flags, 3 source/target unusable,",
                "4 failed (including a stream gap), 130 interrupted before the result was printed."})
public final class MigrateCommand implements Callable<Integer>, CutoverCli.PrintsResults {
    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    @Option(names = "--no-pass-through", description = "DynamoDB backfill: build every item as attribute values (the object path)"
            + " instead of passing its bytes from Scan to BatchWriteItem unchanged. Slower; for a problem with the pass-through path.")
    boolean noPassThrough;

    @Option(names = "--source", paramLabel = "URI", description = {"Where the data comes from: absent for a DynamoDB table (--source-table);",
            "mongodb://[user:password@]host:port/database for a MongoDB collection (docs/mongodb.md);",
            "postgresql://user:password@host:5432/db, mysql://... or mariadb://... for a SQL table (needs --mapping; docs/sql.md)."})
    String source;

    @Mixin
    MongoSourceOptions mongo;

    @Option(names = "--mode", paramLabel = "change-stream|mirror", description = "MongoDB source: how the target stays live (default: change-stream).")
    String mode;

    @Option(names = "--mapping", paramLabel = "FILE", description = "SQL source: YAML file with a mapping: section (docs/sql.md).")
    Path mapping;

    @Option(names = "--finish", description = "SQL source, with --until drained: once capture has reached the source's current position (read after the"
            + " writers stopped) and everything up to it is applied, drop the replication slot and publication (phase COMPLETE).")
    boolean finish;

    @Option(names = "--page-size", paramLabel = "ROWS", defaultValue = "1000", description = "SQL source: rows per keyset page (default: ${DEFAULT-VALUE}).")
    int pageSize;

    @Option(names = "--source-table", paramLabel = "NAME", description = "Table to migrate (DynamoDB: its stream must carry new images; SQL: the table name).")
    String sourceTable;

    @Option(names = "--target-table", paramLabel = "NAME", description = "Target table (default: same as --source-table).")
    String targetTable;

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".cutover/migrate", description = "Where the change log, checkpoints and phase are kept (default: ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--until", paramLabel = "backfill|in-sync|drained", description = {"Stop once this phase is reached (default: keep replicating until stopped).",
            "drained: in sync, nothing left to apply, and nothing new for 2 s (after the writers stopped).",
            "MongoDB --mode mirror: FIELD<=VALUE, the cut of the backfill (for example _id<=2026-11-23T10:00:00Z)."})
    String until;

    @Option(names = "--enable-stream", description = "Turn on the source's stream (NEW_AND_OLD_IMAGES) when it has none.")
    boolean enableStream;

    @Option(names = "--version-attribute", paramLabel = "NAME", defaultValue = io.cutover.core.version.VersionAttribute.DEFAULT_NAME,
            description = {"DynamoDB source (a SQL or MongoDB source with --fence-app, and --target URI): the attribute (a SQL table: the column; a collection: the field) that"
                    + " carries the write version of applications writing through MigratingStore (default: ${DEFAULT-VALUE}); every live"
                    + " change lands only when newer than the target's"
                    + " (docs/decisions/0070-versioned-writes-and-the-version-rule.md)."})
    String versionAttribute;

    @Option(names = "--capture-only", description = {"DynamoDB source: replicate changes only, no table creation and no bulk copy: the"
            + " reverse direction of a cut-over (--source-table the new table, --target-table the old one, or --target URI for a"
            + " SQL table or a MongoDB collection; with --enable-stream)."
            + " Start it before the switch to DUAL_WRITE_TARGET_READS (docs/decisions/0073)."})
    boolean captureOnly;

    @Option(names = "--fence-app", paramLabel = "ID", description = {"Any source: the fence (docs/cutover.md): read this application's"
            + " registry entry about once a second and apply only while its phase allows this direction: the forward migration",
            "stops applying at TARGET_ONLY, a --capture-only (reverse) one applies in every phase but SOURCE_ONLY. Capture goes on."})
    String fenceApp;

    @picocli.CommandLine.Mixin
    RegistryOptions fenceRegistry;

    @Option(names = {"--target", "--into"}, paramLabel = "URI", description = {"Where the changes go: absent for a DynamoDB table"
            + " (--target-table). With --capture-only from a DynamoDB table, the old store of a cut-over, which its changes are applied"
            + " back into under the version rule (the reverse direction):",
            "postgresql://..., mysql://... or mariadb://...: the --target-table through the --mapping read backwards (docs/sql.md);",
            "mongodb://host:port/database: the --collection through the document mapping (--key-attribute; docs/mongodb.md).",
            "With a SQL --source: a database of the other SQL engine, replicated into live (PostgreSQL <-> MariaDB; --mapping optional,"
                    + " --capture-only for the way back, which copies nothing; docs/sql.md).",
            "--into is the same flag."})
    String into;

    @Option(names = "--backfill", paramLabel = "scan|export", defaultValue = "scan", description = {"DynamoDB source: how the existing items"
            + " are copied (default: ${DEFAULT-VALUE}); export loads a DynamoDB export taken after capture started (--export or --export-to,"
            + " docs/export.md)."})
    String backfill;

    @Option(names = "--export", paramLabel = "DIR|s3://BUCKET/PREFIX", description = "With --backfill export: an existing export whose ExportTime is after capture started.")
    String export;

    @Option(names = "--export-to", paramLabel = "s3://BUCKET/PREFIX", description = {"With --backfill export, on AWS: request ExportTableToPointInTime"
            + " of the source (it needs point-in-time recovery) as of a time after capture started, wait for it and load it."})
    String exportTo;

    @Mixin
    ExportStoreOptions exportStore;

    @Option(names = "--restart", description = "Discard the state in --state-dir and start over.")
    boolean restart;

    @Option(names = "--segments", paramLabel = "N", description = "Scan segments for the backfill (default: from the table's size).")
    Integer segments;

    @Option(names = "--parallelism", paramLabel = "N|auto", defaultValue = "8", converter = WriteConcurrencyConverter.class,
            description = "Segments (ranges) read at once by the backfill (default: ${DEFAULT-VALUE}, gentle on a source that serves"
                    + " production; auto: a DynamoDB source's backfill finds it between 8 and 32, as copy does).")
    int parallelism;

    @Option(names = "--write-concurrency", paramLabel = "N|auto", defaultValue = "auto", converter = WriteConcurrencyConverter.class,
            description = "BatchWriteItem requests in flight (default: auto: the DynamoDB backfill finds it between 1 and 64; other paths use 16).")
    int writeConcurrency;

    @Option(names = "--max-write-rate", paramLabel = "ITEMS/S", defaultValue = "0", description = "Write at most this many items per second (default: no limit).")
    double maxWriteRate;

    @Option(names = "--log-retention", paramLabel = "DURATION", description = {"DynamoDB source: keep a change in the change log this"
            + " long after the target acknowledged it, then prune it (default: 3h; 0 keeps every change).",
            "Units s, m, h, d (for example 90m, 3h, 2d)."})
    String logRetention;

    @Option(names = "--enable-pitr", description = {"DynamoDB source: turn on point-in-time recovery of the target table in PREPARE,"
            + " so that cutover restore --native can restore it later (AWS only; DynamoDB Local has none: a warning, and the migration"
            + " carries on)."})
    boolean enablePitr;

    @Option(names = "--stream-retention", paramLabel = "DURATION", description = {"DynamoDB source: how long the stream keeps records."
            + " A capture stopped longer, or a shard unread longer, stops with STREAM_GAP (default: 23h, an hour inside the stream's 24)."})
    String streamRetention;

    @Override
    public Printer printer() {
        return output.printer();
    }

    @Override
    public Integer call() throws Exception {
        checkFlags();
        return Connector.of("--source", source).migrate(this);
    }

    /**
     * A DynamoDB table's migration: into another DynamoDB table, or (with --capture-only and a --target URI) into the old
     * store of a cut-over through its connector.
     */
    int migrateDynamoDb() throws Exception {
        if (sourceTable == null) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--source-table is required (or --source mongodb://... for MongoDB)");
        }
        if (until != null && !until.equals("backfill") && !until.equals("in-sync") && !until.equals("drained")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--until must be backfill, in-sync or drained, was '" + until + "'");
        }
        Connector sink = Connector.of("--target", into);
        String target = sink == Connector.MONGODB ? mongo.collection : targetTable != null ? targetTable : sourceTable;
        CopySettings settings = CopySettings.builder(connection.source(), connection.target()).table(sourceTable, target)
                .stateDir(stateDir).segments(segments).parallelism(parallelism).writeConcurrency(writeConcurrency)
                .maxWriteRate(maxWriteRate).passThrough(!noPassThrough).build();
        settings.resolvePairs(java.util.List.of());
        Printer p = printer();
        try (ProgressBar bar = new ProgressBar(System.err, ProgressBar.isTerminal(), output.progress());
             DynamoDbMigration migration = new DynamoDbMigration(settings, sourceTable, target, enableStream, restart, liveOptions());
             AutoCloseable old = sink.reverseInto(this, migration, target)) {
            migration.versionRule(java.util.Optional.of(io.cutover.core.version.VersionAttribute.of(versionAttribute)));
            migration.captureOnly(captureOnly);
            if (backfill.equals("export")) {
                migration.backfillFromExport(new DynamoDbMigration.ExportBackfill(
                        Optional.ofNullable(export).map(e -> io.cutover.dynamodb.export.ExportLocation.parse("--export", e)),
                        Optional.ofNullable(exportTo).map(e -> io.cutover.dynamodb.export.ExportLocation.parse("--export-to", e)),
                        exportStore.endpoint(connection.sourceRegion != null ? connection.sourceRegion : connection.region)));
            }
            if (fenceApp != null) {
                migration.applyWhen(io.cutover.client.ReplicationFence.of(new io.cutover.client.EndpointRegistry(fenceRegistry.client(),
                        fenceRegistry.table), fenceApp, captureOnly ? io.cutover.client.ReplicationFence.Direction.REVERSE
                        : io.cutover.client.ReplicationFence.Direction.FORWARD));
            }
            try (StopOnSignal signal = StopOnSignal.install(migration::requestStop)) {
                MigrationStatus status = migration.run(until, bar, s -> {
                    if (output.progress()) {
                        System.err.println(line(s));
                    }
                });
                p.result(status, MigrateCommand::text);
                return status.deadLettered() > 0 ? 1 : 0;
            }
        }
    }

    /**
     * Every flag that can be checked without a server, for every kind of source, all problems at once:
     * a name DynamoDB would refuse must be exit 2 here, not a service error halfway through PREPARE.
     */
    void checkFlags() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        boolean mongo = io.cutover.mongodb.MongoSourceUri.isMongo(source);
        String target = targetTable != null ? targetTable : mongo ? null : sourceTable;
        if (target != null) {
            io.cutover.dynamodb.DynamoDbTableName.problem(targetTable != null ? "--target-table" : "--target-table (from --source-table)", target)
                    .ifPresent(problems::add);
        }
        if (source == null && sourceTable != null) {
            io.cutover.dynamodb.DynamoDbTableName.problem("--source-table", sourceTable).ifPresent(problems::add);
        }
        if (segments != null && (segments < 1 || segments > CopySettings.MAX_SEGMENTS)) {
            problems.add("--segments must be between 1 and " + CopySettings.MAX_SEGMENTS + ", was " + segments);
        }
        if (parallelism < 0 || parallelism > 1024) {
            problems.add("--parallelism must be auto or between 1 and 1024, was " + parallelism);
        } else if (parallelism == 0 && source != null) {
            problems.add("--parallelism auto applies to a DynamoDB source (--source-table alone): give a number of ranges read at once"
                    + " for " + (mongo ? "a MongoDB" : "an SQL") + " source, for example --parallelism 8");
        }
        if (writeConcurrency < 0 || writeConcurrency > 1024) {
            problems.add("--write-concurrency must be auto or between 1 and 1024, was " + writeConcurrency);
        }
        if (maxWriteRate < 0 || Double.isNaN(maxWriteRate)) {
            problems.add("--max-write-rate must be 0 (no limit) or more items/s, was " + maxWriteRate);
        }
        if (pageSize < 1 || pageSize > 100_000) {
            problems.add("--page-size must be between 1 and 100000, was " + pageSize);
        }
        problems.addAll(backfillProblems());
        if (source != null && (logRetention != null || streamRetention != null)) {
            problems.add("--log-retention and --stream-retention apply to a DynamoDB source (--source-table alone) in this build:"
                    + " drop them (the change log keeps applied changes 3 h)");
        }
        if (enablePitr && (source != null || captureOnly)) {
            problems.add("--enable-pitr applies to a DynamoDB source's migration into a new target in this build (not to --source "
                    + "mongodb://, postgresql://, ... or --capture-only): drop it, and turn point-in-time recovery on with"
                    + " aws dynamodb update-continuous-backups");
        }
        for (String[] flag : new String[][] {{"--log-retention", logRetention}, {"--stream-retention", streamRetention}}) {
            if (flag[1] != null) {
                try {
                    duration(flag[0], flag[1]);
                } catch (CutoverException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        problems.addAll(targetProblems());
        if (!problems.isEmpty()) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, String.join("\n", problems));
        }
    }

    /**
     * --target (--into): a store other than DynamoDB takes a DynamoDB table's changes only as the reverse direction of a
     * cut-over (decisions 0130, 0140, 0210), with what its connector needs to write items back.
     */
    private java.util.List<String> targetProblems() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        Connector to;
        try {
            to = Connector.of("--target", into);
        } catch (CutoverException e) {
            problems.add(e.getMessage());
            return problems;
        }
        boolean sqlSource = source != null && io.cutover.sql.source.SqlEndpoint.isSqlUri(source);
        if (captureOnly && sqlSource && to != Connector.SQL) {
            problems.add("--capture-only with a SQL --source needs --target (--into) postgresql://... or mariadb://...: the way back of a"
                    + " PostgreSQL <-> MariaDB pair (docs/sql.md)");
            return problems;
        }
        if (to == Connector.SQL && sqlSource) {
            return problems; // PostgreSQL <-> MariaDB (decision 0200): either direction, with or without a backfill
        }
        if (!to.takesTheReverse()) {
            return problems;
        }
        if (!captureOnly || source != null) {
            problems.add("--target (--into) " + to.describe() + " needs --capture-only and a DynamoDB --source-table (no --source): it is"
                    + " the reverse direction of a cut-over, the DynamoDB table's changes applied back into the old store; copying a whole"
                    + " DynamoDB table into another kind of store is not built");
        }
        if (to == Connector.SQL && mapping == null) {
            problems.add("--target (--into) postgresql://, mysql:// or mariadb:// needs the --mapping of the SQL table: its changes go back"
                    + " through the mapping read backwards (docs/sql.md)");
        }
        if (to == Connector.MONGODB && (mongo.collection == null || mongo.keyAttribute == null)) {
            problems.add("--target (--into) mongodb:// needs --collection NAME and --key-attribute NAME (the item attribute that holds the"
                    + " document's _id): items go back into documents through the document mapping (docs/mongodb.md)");
        }
        return problems;
    }

    /** --backfill, --export and --export-to, checked before any server is touched. */
    private java.util.List<String> backfillProblems() {
        java.util.List<String> problems = new java.util.ArrayList<>();
        if (!backfill.equals("scan") && !backfill.equals("export")) {
            problems.add("--backfill must be scan or export, was '" + backfill + "'");
            return problems;
        }
        if (backfill.equals("scan")) {
            if (export != null || exportTo != null) {
                problems.add("--export and --export-to need --backfill export");
            }
            return problems;
        }
        if (source != null) {
            problems.add("--backfill export applies to a DynamoDB source (--source-table alone): drop it for --source " + source.split(":")[0] + "://...");
        }
        if (captureOnly) {
            problems.add("--backfill export contradicts --capture-only, which copies nothing: drop one");
        }
        if ((export == null) == (exportTo == null)) {
            problems.add("--backfill export needs exactly one of --export DIR|s3://... (an existing export) and --export-to s3://bucket/prefix"
                    + " (request one)");
        }
        for (String[] flag : new String[][] {{"--export", export}, {"--export-to", exportTo}}) {
            if (flag[1] != null) {
                try {
                    var location = io.cutover.dynamodb.export.ExportLocation.parse(flag[0], flag[1]);
                    if (flag[0].equals("--export-to") && !location.isS3()) {
                        problems.add("--export-to must be s3://bucket/prefix: DynamoDB writes exports only to S3 (for a folder, use --export)");
                    }
                } catch (CutoverException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        return problems;
    }

    private DynamoDbMigration.LiveOptions liveOptions() {
        DynamoDbMigration.LiveOptions o = DynamoDbMigration.LiveOptions.defaults().withEnablePitr(enablePitr);
        if (logRetention != null) {
            o = o.withLogRetention(duration("--log-retention", logRetention));
        }
        if (streamRetention != null) {
            Duration r = duration("--stream-retention", streamRetention);
            o = o.withCapture(o.capture().withRetention(r, o.capture().heartbeatMillis()));
        }
        return o;
    }

    /** "0", or a whole number with a unit: s, m, h or d. */
    static Duration duration(String flag, String value) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})([smhd]?)").matcher(value.trim());
        if (!m.matches() || m.group(2).isEmpty() && !m.group(1).equals("0")) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, flag + " must be a whole number with a unit s, m, h or d (for example 3h),"
                    + " or 0; was '" + value + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ZERO;
        };
    }

    static String line(MigrationStatus s) {
        return String.format(Locale.ROOT, "%s: captured %,d, applied %,d, superseded %,d, dead-lettered %,d, backlog %,d, %,.0f changes/s,"
                        + " lag from source p50 %d ms p99 %d ms max %d ms, pipeline lag p50 %d ms p99 %d ms max %d ms",
                s.phase(), s.captured(), s.applied(), s.superseded(), s.deadLettered(), s.backlog(), s.changesPerSecond(),
                s.lagP50Millis(), s.lagP99Millis(), s.lagMaxMillis(), s.pipelineLagP50Millis(), s.pipelineLagP99Millis(), s.pipelineLagMaxMillis());
    }

    static String text(MigrationStatus s) {
        StringBuilder b = new StringBuilder();
        b.append("Migration ").append(s.sourceTable()).append(" -> ").append(s.targetTable()).append(": phase ").append(s.phase()).append('\n');
        b.append(String.format(Locale.ROOT, "  backfill: %,d items copied%n", s.backfillItems()));
        b.append("  ").append(line(s)).append('\n');
        b.append(String.format(Locale.ROOT, "  version rule: %,d refused (echoes, stale records), %,d conflicts (conflicts.jsonl)%s%n",
                s.refused(), s.conflicts(), s.fenced() ? "; FENCED: the registry's phase forbids this direction to apply" : ""));
        s.positions().forEach((shard, pos) -> b.append("  shard ").append(shard).append(": ").append(pos).append('\n'));
        return b.toString();
    }
}
