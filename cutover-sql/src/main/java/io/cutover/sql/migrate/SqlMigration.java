package io.cutover.sql.migrate;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeRecord;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.engine.EngineOptions;
import io.cutover.core.engine.EngineSnapshot;
import io.cutover.core.engine.JsonPhaseJournal;
import io.cutover.core.engine.PhaseMachine;
import io.cutover.core.engine.SinkConnector;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.DynamoDbTableSink;
import io.cutover.dynamodb.StateDirectory;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.mapping.RowMapper;
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
 *
 * <p>The phases are run by the one phase machine ({@link PhaseMachine}, decision 0240) with a {@link SqlSourceConnector}
 * and, as the target, a {@link DynamoDbTableSink} or (with {@link #into}) a {@link SqlStoreSink}; this class builds them from
 * the settings and keeps the state file migration.json in the shape it always had.
 */
public final class SqlMigration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SqlMigration.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String STATE_FILE = "migration.json";

    /** Where the phase machine is; kept in migration.json. Bounds are the key ranges' split points, encoded. */
    public record State(String phase, String source, String sourceTable, String targetTable, String slot, String publication, long serverId,
                        List<String> bounds, long backfillItems) {
        State with(String newPhase) {
            return new State(newPhase, source, sourceTable, targetTable, slot, publication, serverId, bounds, backfillItems);
        }
    }

    /** The state file's moves, for the engine's journal. */
    private static final JsonPhaseJournal.Moves<State> MOVES = JsonPhaseJournal.Moves.of(State::phase,
            // a capture-only run has no key ranges: recorded as none, as before the engine
            (state, phase) -> phase.equals("CATCH_UP") && state.phase().equals("CAPTURE") ? new State(phase, state.source(),
                    state.sourceTable(), state.targetTable(), state.slot(), state.publication(), state.serverId(), List.of(), 0)
                    : state.with(phase),
            (state, items, deadLettered) -> new State("CATCH_UP", state.source(), state.sourceTable(), state.targetTable(), state.slot(),
                    state.publication(), state.serverId(), state.bounds(), state.backfillItems() + items));

    private final SqlMigrationSettings settings;
    private final SqlTable table;
    private final DynamoDbClient target;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile boolean stop;
    private volatile PhaseMachine engine;
    private volatile ObjLongConsumer<ChangeRecord> onApplied = (c, t) -> { };
    private volatile Runnable beforeCaptureBatch = () -> { };
    private volatile Optional<io.cutover.core.version.VersionAttribute> versionRule = Optional.empty();
    private volatile java.util.function.BooleanSupplier applyAllowed = () -> true;
    private volatile io.cutover.sql.store.SqlStore sink;
    private volatile boolean captureOnly;
    public static final String CONFLICTS_FILE = EngineOptions.CONFLICTS_FILE;

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
            RowMapper checked = SqlSourceConnector.sourceRetry(retry, "check " + table.qualifiedName(), () -> {
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
                state = prepared();
            } else if (!state.sourceTable().equals(table.qualifiedName()) || !state.targetTable().equals(settings.targetTable())) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds the migration of " + state.sourceTable()
                        + " to " + state.targetTable() + ": pass --restart to discard it, or use another --state-dir");
            }
            if (state.phase().equals("ABANDONED")) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "the migration in --state-dir " + dir + " was abandoned (its replication"
                        + " slot is gone, so changes since then are lost): pass --restart to start over");
            }
            JsonPhaseJournal<State> journal = new JsonPhaseJournal<>(dir.resolve(STATE_FILE), state, MOVES);
            SqlSourceConnector source = new SqlSourceConnector(new SqlSourceConnector.Setup(table, mapper, settings.targetTable(), dir,
                    state.slot(), state.publication(), state.serverId(), () -> bounds(journal, mapper), settings.pageSize(),
                    settings.parallelism(), sink != null, beforeCaptureBatch));
            SinkConnector into = sink != null ? new SqlStoreSink(sink, settings.writeConcurrency())
                    : new DynamoDbTableSink(target, settings.target(), settings.targetTable(), settings.writeConcurrency(), settings.maxWriteRate(),
                    retry, retry, this::prepareDynamoDbTarget);
            EngineOptions options = EngineOptions.forward(dir).withCaptureOnly(captureOnly)
                    // The way back lists its true conflicts (0073); the forward direction counts refusals only (a read each, 0074).
                    .withVersionRule(versionRule, sink != null && captureOnly).withFence(applyAllowed).withOnApplied(onApplied);
            PhaseMachine machine = new PhaseMachine(source, into, journal, () -> SqliteChangeLog.open(dir.resolve("changes.db")),
                    snapshot -> status(journal.state(), snapshot, source.deadLettered()), options);
            engine = machine;
            if (stop) {
                machine.requestStop();
            }
            return machine.run(until, finish, progress, onStatus);
        }
    }

    /** A new migration's state, in phase PREPARE (saved by its first move): the slot's and publication's names, or the binlog client's id. */
    private State prepared() {
        String slot;
        String publication = null;
        long serverId = 0;
        if (table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL) {
            slot = ReplicationSlots.slotName(table, settings.targetTable());
            publication = slot + "_pub";
        } else {
            slot = "binlog";
            serverId = 5400 + ThreadLocalRandom.current().nextInt(1_000_000);
        }
        return new State("PREPARE", table.endpoint().describe(), table.qualifiedName(), settings.targetTable(), slot, publication, serverId,
                null, 0);
    }

    /** The key ranges' split points: computed once, in BACKFILL, and saved before any range is copied. */
    private List<String> bounds(JsonPhaseJournal<State> journal, RowMapper mapper) {
        State state = journal.state();
        if (state.bounds() == null) {
            List<String> bounds = SqlSourceConnector.splitPoints(table, mapper, settings.ranges(), retry);
            journal.save(new State(state.phase(), state.source(), state.sourceTable(), state.targetTable(), state.slot(), state.publication(),
                    state.serverId(), bounds, state.backfillItems()));
        }
        return journal.state().bounds();
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

    private static MigrationStatus status(State state, EngineSnapshot s, long captureDeadLettered) {
        Map<String, String> positions = new LinkedHashMap<>();
        if (s.log() != null) {
            for (PartitionPosition p : s.log().positions().values()) {
                String pos = p.lastPosition() == null ? "" : p.lastPosition();
                positions.put(p.partition(), pos.substring(pos.indexOf('\n') + 1));
            }
        }
        MigrationStatus status = MigrationStatus.of(s.phase(), state.sourceTable(), state.targetTable(), state.slot(), state.backfillItems(),
                s.log(), s.stats(), s.rate(), positions);
        if (s.versioned() || s.fenced()) {
            status = status.withVersionRule(s.olderRefused(), s.conflicts(), s.fenced());
        }
        return status.withDeadLettered(status.deadLettered() + captureDeadLettered); // events capture could not map
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

    /** Stops after the writes in flight are acknowledged; the next run resumes from the same phase. */
    public void requestStop() {
        stop = true;
        PhaseMachine e = engine;
        if (e != null) {
            e.requestStop();
        }
    }

    @Override
    public void close() {
        if (target != null) {
            target.close();
        }
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
