package io.cutover.sql.migrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ApplyStats;
import io.cutover.core.apply.CatchUpLoop;
import io.cutover.core.apply.ChangeApplier;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbChangeWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.StateDirectory;
import io.cutover.sql.capture.DebeziumCapture;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.capture.SourceFence;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.source.KeyRangeUnit;
import io.cutover.sql.source.KeyRanges;
import io.cutover.sql.source.KeysetPosition;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;

/**
 * {@code cutover migrate --source postgresql://...|mariadb://...}: a durable phase machine like the
 * DynamoDB one (docs/decisions/0011-apply-in-chunks.md), resumable from any phase after a clean stop or
 * a {@code kill -9}:
 *
 * <ol>
 *   <li>PREPARE: the mapping is checked against the table (as {@code plan} does); the target table is
 *       created with its GSIs and TTL; on PostgreSQL the publication and the replication slot are created,
 *       so changes are retained from this moment on.</li>
 *   <li>CAPTURE: Debezium starts streaming (no snapshot) into the change log.</li>
 *   <li>BACKFILL: the table is copied in parallel primary-key ranges (split points kept in migration.json,
 *       checkpoints per range), while capture runs.</li>
 *   <li>CATCH_UP: the whole change log is applied in per-key order; IN_SYNC: new changes as they come.</li>
 *   <li>COMPLETE (with {@code --finish}): once drained, capture stops and the slot and publication are
 *       dropped, so they cannot fill the source's disk.</li>
 * </ol>
 */
public final class SqlMigration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlMigration.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String STATE_FILE = "migration.json";
    /** How long the drained fence waits without capture moving at all before it gives up (it waits as long as capture moves). */
    private static final long FENCE_WAIT_MILLIS = 120_000;

    /** Where the phase machine is; kept in migration.json. Bounds are the key ranges' split points, encoded. */
    public record State(String phase, String source, String sourceTable, String targetTable, String slot, String publication, long serverId,
                        List<String> bounds, long backfillItems) {
        State with(String newPhase) {
            return new State(newPhase, source, sourceTable, targetTable, slot, publication, serverId, bounds, backfillItems);
        }
    }

    private final SqlMigrationSettings settings;
    private final SqlTable table;
    private final DynamoDbClient target;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile boolean stop;
    private volatile BulkCopier<?> copier;
    private volatile ObjLongConsumer<ChangeRecord> onApplied = (c, t) -> { };
    private volatile Runnable beforeCaptureBatch = () -> { };
    private volatile DebeziumCapture capture;
    private volatile Optional<io.cutover.core.version.VersionAttribute> versionRule = Optional.empty();
    private volatile java.util.function.BooleanSupplier applyAllowed = () -> true;
    private volatile boolean fenced;
    private volatile io.cutover.core.apply.VersionedWriter versionedWriter;
    private volatile io.cutover.sql.store.SqlStore sink;
    private volatile boolean captureOnly;
    private volatile long conflictsBefore;
    public static final String CONFLICTS_FILE = "conflicts.jsonl";

    /** {@code settings.target()} may be null when the target is a SQL table ({@link #into}). */
    public SqlMigration(SqlMigrationSettings settings) {
        this.settings = settings;
        this.table = new SqlTable(settings.source(), settings.sourceTable());
        this.target = settings.target() == null ? null : DynamoDbClients.create(settings.target(), settings.writeConcurrency() + 4);
    }

    /**
     * Replicates into a table of the other SQL engine instead of DynamoDB (docs/decisions/0200): the backfill and the live
     * apply write through {@code store} (its mapping read backwards, each value checked against the column's type, the
     * version rule in the database), capture stops at a schema change, and {@link #versionRule} must be set. The store is
     * not closed here. Set before {@link #run}.
     */
    public void into(io.cutover.sql.store.SqlStore store) {
        this.sink = store;
    }

    /**
     * No backfill: capture, then apply what it captures (the way back of a SQL-to-SQL pair, whose target already holds every
     * row: decision 0200). With a SQL sink the true conflicts are then listed in conflicts.jsonl, as the DynamoDB reverse
     * direction lists them (0073). Set before {@link #run}.
     */
    public void captureOnly(boolean only) {
        this.captureOnly = only;
    }

    /** Told of every change the target acknowledged, with the time (for benchmarks); set before {@link #run}. */
    public void onApplied(ObjLongConsumer<ChangeRecord> listener) {
        this.onApplied = listener;
    }

    /**
     * The version attribute the live apply compares (docs/decisions/0070, 0130): set for a table that joins a phased
     * cut-over, whose rows carry versions written by {@code SqlStore}; each change then lands in DynamoDB only when newer,
     * so the reverse direction's own writes, captured back from the SQL table, are refused as echoes. Empty (the default)
     * applies in unconditional batches. Set before {@link #run}.
     */
    public void versionRule(Optional<io.cutover.core.version.VersionAttribute> rule) {
        this.versionRule = rule;
    }

    /**
     * The fence (docs/decisions/0074): asked before every apply round; while it says false, capture goes on and nothing is
     * applied. Set before {@link #run}.
     */
    public void applyWhen(java.util.function.BooleanSupplier allowed) {
        this.applyAllowed = allowed;
    }

    /** Run by capture before each batch is made durable (fault injection: tests slow capture down with it); set before {@link #run}. */
    public void beforeCaptureBatch(Runnable hook) {
        this.beforeCaptureBatch = hook;
    }

    /**
     * Runs until {@code until} ("backfill", "in-sync", "drained", or null: until stopped). With {@code finish},
     * after "drained" the capture is stopped and the slot and publication dropped (phase COMPLETE).
     */
    public MigrationStatus run(String until, boolean finish, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        Path dir = settings.stateDir();
        try (StateDirectory lock = StateDirectory.open(dir)) {
            if (settings.restart()) {
                lock.clear();
            }
            State state = load(dir).orElse(null);
            List<String> warnings = new ArrayList<>();
            RowMapper checked = sourceRetry("check " + table.qualifiedName(), () -> {
                warnings.clear();
                return SqlPlan.check(table, settings.mapping(), 0, warnings);
            });
            RowMapper mapper = versionRule.map(checked::withVersions).orElse(checked);
            if (sink != null && versionRule.isEmpty()) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "a SQL-to-SQL replication writes under the version rule: set the"
                        + " version attribute (--fence-app, or versionRule) and give both tables the version columns");
            }
            if (target == null && sink == null) {
                throw new CutoverException(ErrorCode.CONFIG_INVALID, "no target: pass a DynamoDB target, or --into a SQL database");
            }
            if (state == null) {
                state = prepare(mapper);
                save(dir, state);
            } else if (!state.sourceTable().equals(table.qualifiedName()) || !state.targetTable().equals(settings.targetTable())) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds the migration of " + state.sourceTable()
                        + " to " + state.targetTable() + ": pass --restart to discard it, or use another --state-dir");
            }
            if (state.phase().equals("COMPLETE")) {
                return status(state, null, null, 0);
            }
            if (state.phase().equals("ABANDONED")) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "the migration in --state-dir " + dir + " was abandoned (its replication"
                        + " slot is gone, so changes since then are lost): pass --restart to start over");
            }
            if (table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
                String slot = state.slot();
                sourceRetry("check replication slot " + slot, () -> {
                    ReplicationSlots.requireSlot(table, slot);
                    return null;
                });
                sourceRetry("align partitions of " + table.qualifiedName(), () -> ReplicationSlots.alignPartitions(table)).forEach(p -> LOG.info("set REPLICA IDENTITY FULL on partition {}, as its parent has", p));
            }
            try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
                 FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve("dead-letters.jsonl"));
                 FileDeadLetterSink conflictList = new FileDeadLetterSink(dir.resolve(CONFLICTS_FILE));
                 io.cutover.core.copy.TargetWriter writer = sink != null ? new io.cutover.sql.store.SqlStoreWriter(sink,
                         settings.writeConcurrency(), dead) : new DynamoDbBatchWriter(target, settings.targetTable(), settings.writeConcurrency(),
                         new Throttle(settings.maxWriteRate()), retry, new DynamoDbErrorClassifier(settings.target()), dead);
                 DebeziumCapture capture = new DebeziumCapture(table, mapper, log, dead, state.slot(), state.publication(), state.serverId(), dir)) {
                this.capture = capture;
                capture.beforeBatch(beforeCaptureBatch);
                capture.refuseSchemaChanges(sink != null);
                capture.start();
                capture.awaitRunning(120_000);
                if (state.phase().equals("CAPTURE") && table.endpoint().flavor().mysqlFamily()) {
                    awaitFirstPosition(log, capture);
                }
                if (state.phase().equals("CAPTURE") && captureOnly) {
                    state = new State("CATCH_UP", state.source(), state.sourceTable(), state.targetTable(), state.slot(), state.publication(),
                            state.serverId(), List.of(), 0);
                    save(dir, state);
                }
                if (state.phase().equals("CAPTURE")) {
                    state = state.with("BACKFILL");
                    save(dir, state);
                }
                if (state.phase().equals("BACKFILL")) {
                    if (state.bounds() == null) {
                        List<String> bounds = new ArrayList<>();
                        // A dropped connection while the split points are computed is retried like any other read.
                        var split = retry.execute("split " + table.qualifiedName() + " into key ranges",
                                a -> KeyRanges.bounds(table, mapper.schema(), settings.ranges()),
                                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e),
                                io.cutover.core.retry.RetryListener.NONE);
                        for (Object b : split) {
                            bounds.add(new KeysetPosition(List.of(b)).encode());
                        }
                        state = new State(state.phase(), state.source(), state.sourceTable(), state.targetTable(), state.slot(), state.publication(),
                                state.serverId(), bounds, state.backfillItems());
                        save(dir, state);
                    }
                    BulkCopyStats copied = backfill(state, mapper, writer, dead, progress, capture);
                    failOn(capture);
                    if (copied.unitsCompleted() < copied.units()) {
                        return status(state, log, null, 0);
                    }
                    state = new State("CATCH_UP", state.source(), state.sourceTable(), state.targetTable(), state.slot(), state.publication(),
                            state.serverId(), state.bounds(), state.backfillItems() + copied.items());
                    save(dir, state);
                }
                if ("backfill".equals(until)) {
                    return status(state, log, null, 0);
                }
                io.cutover.core.apply.VersionedWriter versioned = sink != null
                        ? new io.cutover.sql.store.SqlChangeWriter(sink, settings.writeConcurrency(), dead)
                        : versionRule.<io.cutover.core.apply.VersionedWriter>map(v -> new io.cutover.dynamodb.VersionedChangeWriter(target,
                        settings.targetTable(), v, settings.writeConcurrency(), new Throttle(settings.maxWriteRate()), retry,
                        new DynamoDbErrorClassifier(settings.target()), dead)).orElse(null);
                if (sink != null && captureOnly) {
                    // The way back lists its true conflicts (0073); the forward direction counts refusals only (a read each, 0074).
                    conflictsBefore = countLines(dir.resolve(CONFLICTS_FILE));
                    versioned.listConflictsIn(conflictList);
                }
                versionedWriter = versioned;
                ChangeApplier applier = new ChangeApplier(log, versioned != null ? versioned
                        : new DynamoDbChangeWriter((DynamoDbBatchWriter) writer), 1000, System::currentTimeMillis);
                if (state.phase().equals("IN_SYNC")) {
                    applier.resetLag();
                }
                applier.onApplied(onApplied);
                MigrationStatus status = apply(state, log, capture, applier, until, onStatus);
                if (!stop && "drained".equals(until) && status.phase().equals("IN_SYNC") && status.backlog() == 0) {
                    // Drained means caught up with the source's position read now, not only quiet: a capture that is
                    // starting again after a lost connection is quiet too, with the last changes still on the server.
                    if (!applyThrough(sourceRetry("read the source's position", () -> SourceFence.mark(table)), capture, applier)) {
                        return saveStatus(status(load(dir).orElseThrow(), log, applier.stats(), 0)); // stopped while waiting: IN_SYNC, slot kept
                    }
                    status = saveStatus(status(load(dir).orElseThrow(), log, applier.stats(), 0));
                }
                if (finish && !stop && "drained".equals(until) && status.phase().equals("IN_SYNC") && status.backlog() == 0) {
                    capture.close();
                    state = load(dir).orElseThrow().with("COMPLETE");
                    dropSlot(state);
                    save(dir, state);
                    status = status(state, log, applier.stats(), 0);
                    saveStatus(status);
                }
                return status;
            }
        }
    }

    private State prepare(RowMapper mapper) {
        if (sink == null) {
            prepareDynamoDbTarget();
        }
        return prepareSource();
    }

    private void prepareDynamoDbTarget() {
        TableDescription existing = SqlTargetTable.describe(target, settings.targetTable(), retry, new DynamoDbErrorClassifier(settings.target()));
        if (existing == null) {
            SqlTargetTable.create(target, settings.mapping(), settings.targetTable(), retry, new DynamoDbErrorClassifier(settings.target())).forEach(s -> LOG.info("{}", s));
        } else {
            String why = SqlTargetTable.incompatibility(existing, settings.mapping());
            if (why != null) {
                throw new CutoverException(ErrorCode.TARGET_INCOMPATIBLE, why);
            }
        }
    }

    private State prepareSource() {
        String slot = null;
        String publication = null;
        long serverId = 0;
        if (table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            slot = ReplicationSlots.slotName(table, settings.targetTable());
            publication = slot + "_pub";
            ReplicationSlots.create(table, slot, publication);
        } else {
            slot = "binlog";
            serverId = 5400 + ThreadLocalRandom.current().nextInt(1_000_000);
        }
        return new State("CAPTURE", table.endpoint().describe(), table.qualifiedName(), settings.targetTable(), slot, publication, serverId, null, 0);
    }

    /**
     * MySQL/MariaDB have no slot: the binlog position is recorded with the first event or heartbeat
     * (decision 0021). Waits for it before the copy starts, so a crash after this point resumes from a
     * position taken before the first row was read.
     */
    private static void awaitFirstPosition(SqliteChangeLog log, DebeziumCapture capture) {
        long end = System.currentTimeMillis() + 30_000;
        while (!log.positions().containsKey(io.cutover.sql.capture.ChangeLogOffsetStore.PARTITION) && System.currentTimeMillis() < end) {
            failOn(capture);
            sleep(50);
        }
        if (!log.positions().containsKey(io.cutover.sql.capture.ChangeLogOffsetStore.PARTITION)) {
            LOG.warn("the binlog position is not recorded yet (no event or heartbeat in 30 s); the copy starts anyway: a crash before the first"
                    + " change is captured restarts capture from the binlog position of that moment");
        } else {
            LOG.info("binlog position recorded before the copy");
        }
    }

    /**
     * Before the finish: waits until capture made every change up to the source's current position durable
     * (read after the writers stopped), and applies them all. Fails, leaving the migration IN_SYNC with its slot,
     * if capture does not get there in time; returns false when a stop was requested while waiting.
     */
    private boolean applyThrough(SourceFence fence, DebeziumCapture capture, ChangeApplier applier) {
        long start = System.currentTimeMillis();
        long end = start + FENCE_WAIT_MILLIS;
        Object seen = capture.durableOffset();
        while (!fence.reachedBy(capture.durableOffset())) {
            failOn(capture);
            if (stop) {
                return false;
            }
            Object now = capture.durableOffset();
            if (!java.util.Objects.equals(now, seen)) {
                // still moving (a slow or resetting network, a capture restarting): the wait is for progress, not a deadline
                seen = now;
                end = System.currentTimeMillis() + FENCE_WAIT_MILLIS;
            }
            if (System.currentTimeMillis() > end) {
                throw new CutoverException(ErrorCode.TRANSIENT, "capture from " + table.endpoint().describe() + " did not reach the source's"
                        + " current position (" + fence + "): it made no progress for " + FENCE_WAIT_MILLIS / 1000 + " s, so the migration"
                        + " was not finished (it stays IN_SYNC, slot kept): run migrate --until drained again once the source is quiet");
            }
            applier.applyAvailable(10_000);
            sleep(20);
        }
        while (applier.applyAvailable(10_000) > 0) {
            failOn(capture);
        }
        LOG.info("capture reached the source's position {} read after the writers stopped ({} ms later); every change up to it is applied",
                fence, System.currentTimeMillis() - start);
        return true;
    }

    private void dropSlot(State state) {
        if (table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            ReplicationSlots.drop(table, state.slot(), state.publication());
            LOG.info("dropped replication slot {} and publication {}", state.slot(), state.publication());
        }
    }

    private BulkCopyStats backfill(State state, RowMapper mapper, io.cutover.core.copy.TargetWriter writer, FileDeadLetterSink dead, CopyProgress progress,
                                   DebeziumCapture capture) {
        List<Object> bounds = new ArrayList<>();
        for (String b : state.bounds()) {
            bounds.add(KeysetPosition.decode(b).lastKey().get(0));
        }
        List<KeyRangeUnit> units = KeyRanges.units(table, mapper, bounds, settings.pageSize(), dead);
        var c = new BulkCopier<>(new FileCheckpointStore(settings.stateDir().resolve("checkpoints")), "backfill", writer,
                settings.parallelism(), Throttle.unlimited(), progress);
        copier = c;
        java.util.concurrent.ScheduledExecutorService watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-capture-watch");
            t.setDaemon(true);
            return t;
        });
        watch.scheduleAtFixedRate(() -> {
            if (capture.failure() != null) {
                c.requestStop();
            }
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        try {
            if (stop) {
                c.requestStop();
            }
            progress.tableStarted(table.qualifiedName(), settings.targetTable(), table.estimatedRows(), 0);
            return c.run(units);
        } finally {
            watch.shutdownNow();
            copier = null;
            units.forEach(KeyRangeUnit::close);
        }
    }

    private MigrationStatus apply(State initial, SqliteChangeLog log, DebeziumCapture capture, ChangeApplier applier, String until,
                                  Consumer<MigrationStatus> onStatus) {
        State[] state = {initial};
        double rate = CatchUpLoop.run(log, applier, until, new CatchUpLoop.Host(() -> failOn(capture), () -> stop, () -> state[0].phase(),
                () -> {
                    state[0] = state[0].with("IN_SYNC");
                    save(settings.stateDir(), state[0]);
                }, r -> onStatus.accept(saveStatus(status(state[0], log, applier.stats(), r))), this::fenceOpen));
        return saveStatus(status(state[0], log, applier.stats(), rate));
    }

    private boolean fenceOpen() {
        boolean open = applyAllowed.getAsBoolean();
        if (open == fenced) {
            LOG.info(open ? "the fence opened: applying again" : "fenced: the registry's phase forbids this direction to apply;"
                    + " capture goes on");
        }
        fenced = !open;
        return open;
    }

    private static void failOn(DebeziumCapture capture) {
        if (capture.failure() != null) {
            throw capture.failure();
        }
    }

    private MigrationStatus status(State state, SqliteChangeLog log, ApplyStats stats, double rate) {
        Map<String, String> positions = new LinkedHashMap<>();
        if (log != null) {
            for (PartitionPosition p : log.positions().values()) {
                String pos = p.lastPosition() == null ? "" : p.lastPosition();
                positions.put(p.partition(), pos.substring(pos.indexOf('\n') + 1));
            }
        }
        MigrationStatus status = MigrationStatus.of(state.phase(), state.sourceTable(), state.targetTable(), state.slot(), state.backfillItems(),
                log, stats, rate, positions);
        io.cutover.core.apply.VersionedWriter v = versionedWriter;
        if (v != null || fenced) {
            status = status.withVersionRule(v == null ? 0 : v.olderRefused(), conflictsBefore + (v == null ? 0 : v.conflicts()), fenced);
        }
        DebeziumCapture c = capture;
        return c == null ? status : status.withDeadLettered(status.deadLettered() + c.deadLettered()); // events capture could not map
    }

    private MigrationStatus saveStatus(MigrationStatus status) {
        JsonStateFile.tryWrite(settings.stateDir().resolve("status.json"), status);
        return status;
    }

    public static Optional<State> load(Path dir) {
        return JsonStateFile.read(dir.resolve(STATE_FILE), State.class, ": pass --restart");
    }

    /** The last status the migration in {@code stateDir} wrote, if any. */
    public static Optional<MigrationStatus> lastStatus(Path stateDir) {
        return JsonStateFile.read(stateDir.resolve("status.json"), MigrationStatus.class, "");
    }

    /** Marks the migration ABANDONED (after its slot and publication were dropped); a later migrate refuses to resume it. */
    public static void abandon(Path dir, State state) {
        save(dir, state.with("ABANDONED"));
    }

    /** True when {@code dir} holds a SQL migration's state (rather than a DynamoDB one). */
    public static boolean isSqlState(Path dir) {
        try {
            Path f = dir.resolve(STATE_FILE);
            return Files.exists(f) && JSON.readTree(f.toFile()).has("serverId");
        } catch (IOException e) {
            return false;
        }
    }

    static void save(Path dir, State state) {
        JsonStateFile.write(dir.resolve(STATE_FILE), state);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops after the writes in flight are acknowledged; the next run resumes from the same phase. */
    public void requestStop() {
        stop = true;
        BulkCopier<?> c = copier;
        if (c != null) {
            c.requestStop();
        }
    }

    @Override
    public void close() {
        io.cutover.core.apply.VersionedWriter v = versionedWriter;
        if (v != null) {
            v.close();
        }
        if (target != null) {
            target.close();
        }
    }

    private static long countLines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var lines = Files.lines(file)) {
            return lines.filter(l -> !l.isBlank()).count();
        } catch (IOException e) {
            return 0;
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** A read of the source retried like any other call (a dropped connection is a blip); STREAM_GAP and the like are not. */
    private <T> T sourceRetry(String what, java.util.function.Supplier<T> call) {
        return retry.execute(what, a -> call.get(),
                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
    }
}
