package io.cutover.dynamodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.engine.EngineOptions;
import io.cutover.core.engine.EngineSnapshot;
import io.cutover.core.engine.JsonPhaseJournal;
import io.cutover.core.engine.PhaseMachine;
import io.cutover.core.result.CopyResult;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * {@code cutover migrate} for a DynamoDB source: a durable phase machine, resumable from any phase
 * after a clean stop or a {@code kill -9} (docs/decisions/0011-apply-in-chunks.md):
 *
 * <ol>
 *   <li>PREPARE: the source's stream must carry new images; the target is created (or reused).</li>
 *   <li>CAPTURE: every shard's position is recorded in the change log before any item is copied.</li>
 *   <li>BACKFILL: the bulk copy runs (checkpointed) while capture fills the change log.</li>
 *   <li>CATCH_UP: the whole log is applied in per-key order; the last change of each key wins, so no
 *       bulk write can outlive a later change or bring back a deleted item.</li>
 *   <li>IN_SYNC: new changes are applied as they arrive, with lag measured.</li>
 * </ol>
 *
 * The phases are run by the one phase machine ({@link PhaseMachine}, decision 0240) with the source table's stream as
 * the source connector and, as the sink, the target table ({@link DynamoDbTableSink}) or, with {@link #applyInto}, another
 * store ({@link StoreChangeSink}). {@link #run} blocks until the requested phase is reached or {@link #requestStop} is called.
 */
public final class DynamoDbMigration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamoDbMigration.class);
    public static final String STATE_FILE = "migration.json";
    /** The true conflicts the version rule resolved, one JSON line each (the dead-letter format: the key, the versions). */
    public static final String CONFLICTS_FILE = "conflicts.jsonl";

    /** Where the phase machine is; kept in migration.json. */
    public record State(String phase, String sourceTable, String targetTable, String streamArn, long backfillItems) {
        State with(String newPhase) {
            return new State(newPhase, sourceTable, targetTable, streamArn, backfillItems);
        }
    }

    /**
     * What a live migration adds to the copy's settings; immutable, validated once.
     *
     * @param logRetention how long the change log keeps a change after the target acknowledged it
     *                     ({@code migrate --log-retention}); zero keeps every change (an archive for restore)
     * @param capture      how stream capture paces itself and the stream's retention
     * @param retryBudget  how long a live call (capture, apply) is retried before the migration stops
     * @param enablePitr   turn on point-in-time recovery of the target in PREPARE ({@code migrate --enable-pitr})
     */
    public record LiveOptions(Duration logRetention, DynamoDbStreamCapture.Settings capture, Duration retryBudget, boolean enablePitr) {
        public LiveOptions {
            if (logRetention == null || logRetention.isNegative()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--log-retention must be zero or more, was " + logRetention
                        + ": pass 0 to keep every change");
            }
            if (capture == null || retryBudget == null || retryBudget.isZero() || retryBudget.isNegative()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "a live migration needs capture settings and a positive retry budget");
            }
        }

        public static LiveOptions defaults() {
            return new LiveOptions(SqliteChangeLog.DEFAULT_RETENTION, DynamoDbStreamCapture.Settings.defaults(), Duration.ofMinutes(15), false);
        }

        public LiveOptions withLogRetention(Duration d) {
            return new LiveOptions(d, capture, retryBudget, enablePitr);
        }

        public LiveOptions withCapture(DynamoDbStreamCapture.Settings c) {
            return new LiveOptions(logRetention, c, retryBudget, enablePitr);
        }

        public LiveOptions withEnablePitr(boolean on) {
            return new LiveOptions(logRetention, capture, retryBudget, on);
        }
    }

    private final CopySettings settings;
    private final LiveOptions options;
    private final RetryPolicy liveRetry;
    private final String sourceTable;
    private final String targetTable;
    private final boolean enableStream;
    private final boolean restart;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final DynamoDbClient source;
    private final DynamoDbClient target;
    private final DynamoDbStreamsClient streams;
    private volatile boolean stop;
    private volatile DynamoDbCopier backfill;
    private volatile java.util.function.ObjLongConsumer<io.cutover.core.changelog.ChangeRecord> onApplied = (c, t) -> { };
    private volatile Optional<io.cutover.core.version.VersionAttribute> versionRule = Optional.of(io.cutover.core.version.VersionAttribute.DEFAULT);

    private volatile boolean captureOnly;
    private volatile ExportBackfill exportBackfill;
    private volatile ExportLoader exportLoader;

    /** The file that records when capture started, for the export backfill's time check. */
    public static final String CAPTURE_STARTED_FILE = "capture-started.json";

    /** When capture had recorded its positions: every change after this instant is in the change log. */
    public record CaptureStarted(String at) {
    }

    /**
     * {@code migrate --backfill export}: load an export instead of scanning the source (docs/decisions/0150-export-files.md).
     * Either {@code load} (an export that exists, whose ExportTime must not be before capture started) or {@code requestTo}
     * (an S3 prefix: ExportTableToPointInTime is requested as of a time after capture started, and awaited).
     *
     * @param s3 where S3 is (role "export": --export-endpoint-url, --export-region, --export-profile)
     */
    public record ExportBackfill(Optional<io.cutover.dynamodb.export.ExportLocation> load,
                                 Optional<io.cutover.dynamodb.export.ExportLocation> requestTo, DynamoDbEndpoint s3) {
        public ExportBackfill {
            if (load.isPresent() == requestTo.isPresent()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "--backfill export needs exactly one of --export DIR|s3://... (an"
                        + " existing export) and --export-to s3://bucket/prefix (request one)");
            }
        }
    }

    /** Backfills from an export instead of a Scan; set before {@link #run}. */
    public void backfillFromExport(ExportBackfill export) {
        this.exportBackfill = export;
    }
    private volatile java.util.function.BooleanSupplier applyAllowed = () -> true;
    private volatile PhaseMachine engine;
    private volatile java.util.function.Function<io.cutover.core.deadletter.DeadLetterSink, io.cutover.core.apply.VersionedWriter> writerInto;

    /**
     * Replicates changes only, with no bulk copy: the reverse direction of a cut-over (the target's stream applied to the
     * old source, which already holds the data), docs/decisions/0073-reverse-replication-and-failback-design.md. Capture
     * starts when this migration first runs, so start it before the site of record moves. Set before {@link #run}.
     */
    public void captureOnly(boolean on) {
        this.captureOnly = on;
    }

    /**
     * The fence (docs/decisions/0074-failback-and-the-replication-fence.md): asked before every apply round (the caller
     * caches the registry's answer, read about once a second); while it says false, capture goes on and nothing is
     * applied. Set before {@link #run}.
     */
    public void applyWhen(java.util.function.BooleanSupplier allowed) {
        this.applyAllowed = allowed;
    }

    /**
     * Applies into another store instead of the target table (docs/decisions/0140): with {@link #captureOnly}, the reverse
     * direction into a MongoDB collection (or another store of the phased client). The factory receives the dead-letter
     * sink and returns the writer (under the version rule); it is called once per {@link #run} and closed at its end. The
     * target endpoint of the settings is then not written. Set before {@link #run}.
     */
    public void applyInto(java.util.function.Function<io.cutover.core.deadletter.DeadLetterSink, io.cutover.core.apply.VersionedWriter> factory) {
        this.writerInto = factory;
    }

    /** True conflicts the live apply resolved by the version rule so far, including earlier runs' (conflicts.jsonl). */
    public long conflicts() {
        PhaseMachine e = engine;
        return e == null ? 0 : e.conflicts();
    }

    /** Changes the live apply refused by the version rule so far in this run (echoes of the other direction, stale records). */
    public long olderRefused() {
        PhaseMachine e = engine;
        return e == null ? 0 : e.olderRefused();
    }

    /**
     * The version attribute the live apply compares (docs/decisions/0070-versioned-writes-and-the-version-rule.md); empty
     * applies unconditionally in batches (only for a target no application writes). Set before {@link #run}.
     */
    public void versionRule(Optional<io.cutover.core.version.VersionAttribute> rule) {
        this.versionRule = rule;
    }

    /** Told of every change the target acknowledged, with the time (for benchmarks); set before {@link #run}. */
    public void onApplied(java.util.function.ObjLongConsumer<io.cutover.core.changelog.ChangeRecord> listener) {
        this.onApplied = listener;
    }

    public DynamoDbMigration(CopySettings settings, String sourceTable, String targetTable, boolean enableStream) {
        this(settings, sourceTable, targetTable, enableStream, false);
    }

    /** @param restart discard the state directory's contents (under its lock) and start over */
    public DynamoDbMigration(CopySettings settings, String sourceTable, String targetTable, boolean enableStream, boolean restart) {
        this(settings, sourceTable, targetTable, enableStream, restart, LiveOptions.defaults());
    }

    public DynamoDbMigration(CopySettings settings, String sourceTable, String targetTable, boolean enableStream, boolean restart,
                             LiveOptions options) {
        this.options = options;
        this.liveRetry = RetryPolicy.forDuration(options.retryBudget(), Duration.ofMillis(50), Duration.ofSeconds(20));
        this.restart = restart;
        this.settings = settings;
        this.sourceTable = sourceTable;
        this.targetTable = targetTable;
        this.enableStream = enableStream;
        this.source = DynamoDbClients.create(settings.source(), settings.maxReaders() + 4);
        this.target = DynamoDbClients.create(settings.target(), settings.maxWritesInFlight() + 4);
        this.streams = DynamoDbClients.createStreams(settings.source(), 16);
    }

    /**
     * Runs until {@code until}: "backfill" (the copy is done), "in-sync" (the backlog is small), "drained"
     * (in sync, nothing left to apply and nothing new captured for 2 s: for when writers have stopped),
     * or, with null, until stopped.
     */
    public MigrationStatus run(String until, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        Path dir = settings.stateDir();
        try (StateDirectory lock = StateDirectory.open(dir)) {
            if (restart) {
                lock.clear();
            }
            State state = load(dir).orElse(new State("PREPARE", sourceTable, targetTable, null, 0));
            if (!state.sourceTable().equals(sourceTable) || !state.targetTable().equals(targetTable)) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds the migration of "
                        + state.sourceTable() + " to " + state.targetTable() + ": pass --restart to discard it, or use another --state-dir");
            }
            JsonPhaseJournal<State> journal = new JsonPhaseJournal<>(dir.resolve(STATE_FILE), state, MOVES);
            var into = writerInto;
            // Into another store, the reverse direction always writes under the version rule (0140).
            Optional<io.cutover.core.version.VersionAttribute> rule = into != null
                    ? Optional.of(versionRule.orElse(io.cutover.core.version.VersionAttribute.DEFAULT)) : versionRule;
            EngineOptions engineOptions = EngineOptions.forward(dir).withCaptureOnly(captureOnly)
                    // The reverse direction lists its conflicts (0073); the forward one only counts refusals: listing costs a
                    // read per refused change, and OracleIT lost an increment with the forward applier slowed by them (0074).
                    .withVersionRule(rule, captureOnly && rule.isPresent()).withFence(applyAllowed).withOnApplied(onApplied);
            PhaseMachine machine = new PhaseMachine(new StreamSource(journal), sink(into),
                    journal, () -> SqliteChangeLog.open(dir.resolve("changes.db"), options.logRetention(), System::currentTimeMillis),
                    snapshot -> status(journal.state(), snapshot), engineOptions);
            engine = machine;
            if (stop) {
                machine.requestStop();
            }
            return machine.run(until, false, progress, onStatus);
        }
    }

    /** The state file's moves, for the engine's journal. */
    private static final JsonPhaseJournal.Moves<State> MOVES = JsonPhaseJournal.Moves.of(State::phase, State::with,
            (state, items, deadLettered) -> new State("CATCH_UP", state.sourceTable(), state.targetTable(), state.streamArn(),
                    state.backfillItems() + items));

    /** The target table, or (with {@link #applyInto}) the store the changes are applied to. */
    private io.cutover.core.engine.SinkConnector sink(
            java.util.function.Function<io.cutover.core.deadletter.DeadLetterSink, io.cutover.core.apply.VersionedWriter> into) {
        DynamoDbTableSink table = new DynamoDbTableSink(target, settings.target(), targetTable, settings.fixedWriteConcurrency(),
                settings.maxWriteRate(), liveRetry, retry, this::prepareTarget);
        return into == null ? table : new StoreChangeSink(table, into);
    }

    /**
     * The source table as the side the migration reads: its stream (which must carry new images) captured into the change
     * log, every shard's position recorded before any item is copied, and a Scan or an export as the backfill.
     */
    private final class StreamSource implements io.cutover.core.engine.SourceConnector {
        private final JsonPhaseJournal<State> journal;
        private TableDescription described;

        StreamSource(JsonPhaseJournal<State> journal) {
            this.journal = journal;
        }

        @Override
        public void validate() {
            described = new DynamoDbTableDefinitions(source, settings.source(), retry).read(sourceTable).description();
            var spec = described.streamSpecification();
            if (!usable(spec)) {
                if (spec != null && Boolean.TRUE.equals(spec.streamEnabled())) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "source table '" + sourceTable + "' has a stream with view type "
                            + spec.streamViewTypeAsString() + ", which carries no new images: change it to NEW_AND_OLD_IMAGES (a table has one"
                            + " stream; changing it replaces the stream)");
                }
                if (!enableStream) {
                    throw new CutoverException(ErrorCode.CONFIG_INVALID, "source table '" + sourceTable + "' has no stream: pass"
                            + " --enable-stream to turn one on (NEW_AND_OLD_IMAGES), or enable it yourself");
                }
            }
        }

        /** Turns the stream on if asked to; its name is saved with the move to CAPTURE. */
        @Override
        public void prepare() {
            TableDescription d = described;
            if (!usable(d.streamSpecification())) {
                retry.execute("UpdateTable " + sourceTable, a -> source.updateTable(b -> b.tableName(sourceTable)
                        .streamSpecification(s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES))),
                        new DynamoDbErrorClassifier(settings.source()), io.cutover.core.retry.RetryListener.NONE);
                d = awaitStreamArn();
                LOG.info("enabled the stream of {}", sourceTable);
            }
            State s = journal.state();
            journal.amend(new State(s.phase(), s.sourceTable(), s.targetTable(), d.latestStreamArn(), s.backfillItems()));
        }

        @Override
        public io.cutover.core.engine.Capture openCapture(io.cutover.core.changelog.ChangeLog log,
                                                          io.cutover.core.deadletter.DeadLetterSink deadLetters) {
            DynamoDbStreamCapture capture = new DynamoDbStreamCapture(streams, source, settings.source(), journal.state().streamArn(),
                    log, liveRetry, options.capture(), System::currentTimeMillis);
            return new io.cutover.core.engine.Capture() {
                @Override
                public void start(boolean beforeBackfill) {
                    capture.start();
                    if (beforeBackfill) {
                        // Recorded after the positions were: an export as of this instant or later misses no change.
                        JsonStateFile.write(settings.stateDir().resolve(CAPTURE_STARTED_FILE),
                                new CaptureStarted(java.time.Instant.now().toString()));
                    }
                }

                @Override
                public void run() {
                    capture.run();
                }

                @Override
                public CutoverException failure() {
                    return capture.failure();
                }

                /** The stream read to its end after now, not only quiet (a reader retrying a throttled call is quiet too). */
                @Override
                public boolean awaitCaughtUp(java.util.function.BooleanSupplier stopRequested) {
                    long since = capture.now();
                    while (!capture.caughtUpSince(since)) {
                        if (capture.failure() != null) {
                            throw capture.failure();
                        }
                        if (stopRequested.getAsBoolean()) {
                            return false;
                        }
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return false;
                        }
                    }
                    return true;
                }

                @Override
                public void close() {
                    capture.close();
                }
            };
        }

        @Override
        public io.cutover.core.engine.Backfill backfill(io.cutover.core.deadletter.DeadLetterSink deadLetters) {
            return new io.cutover.core.engine.Backfill() {
                /** The copy writes with its own writers (the scan's or the export loader's), with their own checkpoints. */
                @Override
                public BackfillResult run(io.cutover.core.copy.TargetWriter writer, CopyProgress progress) {
                    CopyResult copied = backfillCopy(progress);
                    return new BackfillResult(copied.items(), 0, copied.status().startsWith("completed"));
                }

                @Override
                public void requestStop() {
                    stopBackfill();
                }
            };
        }
    }

    private static boolean usable(software.amazon.awssdk.services.dynamodb.model.StreamSpecification spec) {
        return spec != null && Boolean.TRUE.equals(spec.streamEnabled())
                && (spec.streamViewType() == StreamViewType.NEW_IMAGE || spec.streamViewType() == StreamViewType.NEW_AND_OLD_IMAGES);
    }

    /** The target's schema (created from the source's, or checked), and point-in-time recovery if asked; none for the reverse direction. */
    private void prepareTarget() {
        if (captureOnly) {
            // The reverse direction writes into the old source, which exists and keeps its own stream: no schema copy.
            return;
        }
        CopySettings schema = CopySettings.builder(settings.source(), settings.target()).table(sourceTable, targetTable)
                .stateDir(settings.stateDir().resolve("schema")).schemaOnly(true).build();
        try (DynamoDbCopier copier = new DynamoDbCopier(schema, CopyProgress.NONE, List.of())) {
            copier.withoutTargetStream();
            copier.run();
        }
        if (options.enablePitr()) {
            PointInTimeRecovery.enable(target, settings.target(), targetTable, retry).ifPresent(LOG::warn);
        }
    }

    /** The table once it names its new stream; capture then waits for the stream to be ENABLED with shards. */
    private TableDescription awaitStreamArn() {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
        while (true) {
            TableDescription d = retry.execute("DescribeTable " + sourceTable, a -> source.describeTable(b -> b.tableName(sourceTable)).table(),
                    new DynamoDbErrorClassifier(settings.source()), io.cutover.core.retry.RetryListener.NONE);
            if (d.latestStreamArn() != null) {
                return d;
            }
            if (System.nanoTime() > deadline) {
                throw new CutoverException(ErrorCode.TRANSIENT, "table '" + sourceTable + "' names no stream 2 minutes after"
                        + " --enable-stream turned one on: run the migration again in a moment");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CutoverException(ErrorCode.INTERRUPTED, "interrupted while waiting for the stream to be enabled", e);
            }
        }
    }

    private CopyResult backfillCopy(CopyProgress progress) {
        if (exportBackfill != null) {
            return backfillFromExport(progress, exportBackfill);
        }
        CopySettings data = CopySettings.builder(settings.source(), settings.target()).table(sourceTable, targetTable)
                .stateDir(settings.stateDir().resolve("backfill")).dataOnly(true).segments(settings.segments().orElse(null))
                .parallelism(settings.parallelism()).writeConcurrency(settings.writeConcurrency()).maxWriteRate(settings.maxWriteRate())
                .maxReadRate(settings.maxReadRate()).passThrough(settings.passThrough()).build();
        try (DynamoDbCopier copier = new DynamoDbCopier(data, progress, List.of())) {
            copier.withConsistentReads();
            backfill = copier;
            if (stop) {
                copier.requestStop();
            }
            return copier.run();
        } finally {
            backfill = null;
        }
    }

    private CopyResult backfillFromExport(CopyProgress progress, ExportBackfill export) {
        java.time.Instant captureStarted = JsonStateFile.read(settings.stateDir().resolve(CAPTURE_STARTED_FILE), CaptureStarted.class,
                        ": pass --restart").map(c -> java.time.Instant.parse(c.at()))
                .orElseThrow(() -> new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + settings.stateDir() + " does not record"
                        + " when capture started (a migration begun before export backfills existed): finish it with --backfill scan,"
                        + " or pass --restart"));
        CopySettings data = CopySettings.builder(settings.source(), settings.target()).table(sourceTable, targetTable)
                .stateDir(settings.stateDir().resolve("backfill")).dataOnly(true).parallelism(settings.parallelism())
                .writeConcurrency(settings.writeConcurrency()).maxWriteRate(settings.maxWriteRate()).maxReadRate(settings.maxReadRate())
                .scanPageSize(settings.scanPageSize()).build();
        io.cutover.dynamodb.export.ExportLocation location = export.load().orElseGet(() -> {
            TableDescription d = new DynamoDbTableDefinitions(source, settings.source(), retry).read(sourceTable).description();
            java.time.Instant at = java.time.Instant.now().isAfter(captureStarted) ? java.time.Instant.now() : captureStarted.plusSeconds(1);
            return new ExportRequester(source, settings.source(), retry, Duration.ofSeconds(10))
                    .request(d.tableArn(), export.requestTo().orElseThrow(), at, settings.stateDir());
        });
        try (ExportLoader loader = new ExportLoader(data, targetTable, location, export.s3(), progress)) {
            checkExport(loader.manifest(), location, captureStarted);
            exportLoader = loader;
            if (stop) {
                loader.requestStop();
            }
            return loader.run();
        } finally {
            exportLoader = null;
        }
    }

    /** Refuses an export that leaves a window no change covers, or that is of another table. */
    void checkExport(io.cutover.dynamodb.export.ExportManifest manifest, io.cutover.dynamodb.export.ExportLocation location,
                     java.time.Instant captureStarted) {
        checkExportTime(manifest.exportTime(), captureStarted, location.text());
        String arn = manifest.summary().tableArn();
        if (arn != null && !arn.endsWith(":table/" + sourceTable)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--export " + location + " is an export of " + arn
                    + ", not of the source table '" + sourceTable + "': pass an export of '" + sourceTable + "'");
        }
    }

    /** An export taken before capture started misses the changes in between: refused, with the two times and the fix. */
    public static void checkExportTime(java.time.Instant exportTime, java.time.Instant captureStarted, String location) {
        if (exportTime.isBefore(captureStarted)) {
            throw new CutoverException(ErrorCode.CONFIG_INVALID, "--export " + location + " holds the table as of " + exportTime
                    + ", before this migration's capture started (" + captureStarted + "): changes in between are in neither the export"
                    + " nor the change log. Use an export with an ExportTime after " + captureStarted + " (request one with --export-to"
                    + " s3://bucket/prefix), or --backfill scan");
        }
    }

    private static MigrationStatus status(State state, EngineSnapshot s) {
        Map<String, String> positions = new LinkedHashMap<>();
        if (s.log() != null) {
            for (PartitionPosition p : s.log().positions().values()) {
                positions.put(p.partition(), p.finished() ? "finished" : String.valueOf(p.lastPosition()));
            }
        }
        return MigrationStatus.of(s.phase(), state.sourceTable(), state.targetTable(), state.streamArn(), state.backfillItems(),
                s.log(), s.stats(), s.rate(), positions).withVersionRule(s.olderRefused(), s.conflicts(), s.fenced());
    }

    /** The last status a migration in {@code stateDir} wrote, if any. */
    public static Optional<MigrationStatus> lastStatus(Path stateDir) {
        return JsonStateFile.read(stateDir.resolve("status.json"), MigrationStatus.class, "");
    }

    /**
     * When the migration in {@code stateDir} reached IN_SYNC, if it is there: the time migration.json was last saved,
     * since reaching IN_SYNC is its last phase change (a --restart rewrites it, so an older verify no longer counts).
     */
    public static Optional<java.time.Instant> inSyncSince(Path stateDir) {
        // Read as a tree: the gates ask this of a SQL migration's state directory too, whose migration.json has other fields.
        Optional<com.fasterxml.jackson.databind.JsonNode> state = JsonStateFile.read(stateDir.resolve(STATE_FILE),
                com.fasterxml.jackson.databind.JsonNode.class, ": pass --restart");
        if (state.isEmpty() || !"IN_SYNC".equals(state.get().path("phase").asText())) {
            return Optional.empty();
        }
        try {
            return Optional.of(java.nio.file.Files.getLastModifiedTime(stateDir.resolve(STATE_FILE)).toInstant());
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    public static Optional<State> load(Path dir) {
        return JsonStateFile.read(dir.resolve(STATE_FILE), State.class, ": pass --restart");
    }

    /** Stops after the writes in flight are acknowledged; the next run resumes from the same phase. */
    public void requestStop() {
        stop = true;
        PhaseMachine e = engine;
        if (e != null) {
            e.requestStop();
        }
        stopBackfill();
    }

    private void stopBackfill() {
        DynamoDbCopier c = backfill;
        if (c != null) {
            c.requestStop();
        }
        ExportLoader l = exportLoader;
        if (l != null) {
            l.requestStop();
        }
    }

    @Override
    public void close() {
        source.close();
        target.close();
        streams.close();
    }
}
