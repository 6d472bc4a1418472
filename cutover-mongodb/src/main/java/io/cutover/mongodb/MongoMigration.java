package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.engine.Backfill;
import io.cutover.core.engine.EngineOptions;
import io.cutover.core.engine.EngineSnapshot;
import io.cutover.core.engine.JsonPhaseJournal;
import io.cutover.core.engine.PhaseMachine;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
import io.cutover.dynamodb.DynamoDbTableSink;
import io.cutover.dynamodb.StateDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bson.BsonValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code cutover migrate --source mongodb://...}: the MongoDB-to-DynamoDB live migration, a durable
 * phase machine in a state directory, resumable after a clean stop or a {@code kill -9}
 * (docs/mongodb.md, decisions 0012-0019).
 *
 * <p>Change-stream mode: PREPARE (target table, change stream opened and its position recorded) →
 * CAPTURE → BACKFILL (the {@code _id} ranges, checkpointed, while the stream fills the change log) →
 * CATCH_UP (the whole log replayed, 0011) → IN_SYNC. Mirror mode: PREPARE → BACKFILL (documents up
 * to the cut, each page settled against the mirror) → BACKFILLED; the application's
 * {@link MirroringCollection} carries every later write.
 *
 * <p>The change-stream mode runs on the one phase machine ({@link PhaseMachine}, decision 0240) with a
 * {@link MongoSourceConnector} and a {@link DynamoDbTableSink}; the mirror mode, which has no capture, is its own short
 * path over the same backfill. {@link #run} blocks until the requested phase or {@link #requestStop}.
 */
public final class MongoMigration implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MongoMigration.class);
    public static final String STATE_FILE = "mongo-migration.json";
    private static final int DOCUMENTS_PER_RANGE = 20_000;

    /** Where the phase machine is; kept in migration.json. The split points are kept so a resumed backfill has the same ranges. */
    public record State(String phase, String mode, String source, String collection, String targetTable, String cut,
                        List<String> splitPoints, long backfillItems, long backfillDeadLettered) {
        State with(String newPhase) {
            return new State(newPhase, mode, source, collection, targetTable, cut, splitPoints, backfillItems, backfillDeadLettered);
        }

        State backfilled(String newPhase, long items, long deadLettered) {
            return new State(newPhase, mode, source, collection, targetTable, cut, splitPoints, backfillItems + items,
                    backfillDeadLettered + deadLettered);
        }
    }

    /** The state file's moves, for the engine's journal. */
    private static final JsonPhaseJournal.Moves<State> MOVES = JsonPhaseJournal.Moves.of(State::phase, State::with,
            (state, items, deadLettered) -> state.backfilled("CATCH_UP", items, deadLettered));

    private final MongoMigrationSettings settings;
    private final boolean restart;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final MongoCollectionSource source;
    private final DynamoDbClient target;
    private volatile boolean stop;
    private volatile Backfill mirrorBackfill;
    private volatile PhaseMachine engine;
    private volatile Optional<io.cutover.core.version.VersionAttribute> versionRule = Optional.empty();
    private volatile java.util.function.BooleanSupplier applyAllowed = () -> true;

    /**
     * Applies the change stream under the version rule (docs/decisions/0070, 0140): one conditional PutItem or DeleteItem
     * per change, landing only when newer, so that a late record never moves a key backwards once an application writes
     * through the phased client, and the reverse direction's own writes, read back from the change stream, are refused
     * (same version) instead of applied again. Empty (the default) applies in unconditional batches: for a target no
     * application writes. Change-stream mode only; set before {@link #run}.
     */
    public void versionRule(Optional<io.cutover.core.version.VersionAttribute> rule) {
        this.versionRule = rule;
    }

    /** The fence (decision 0074): asked before every apply round; while false, capture goes on and nothing is applied. */
    public void applyWhen(java.util.function.BooleanSupplier allowed) {
        this.applyAllowed = allowed;
    }

    /** Changes the live apply refused by the version rule so far in this run. */
    public long olderRefused() {
        PhaseMachine e = engine;
        return e == null ? 0 : e.olderRefused();
    }

    /** Changes the live apply wrote so far in this run (under the version rule). */
    public long landed() {
        PhaseMachine e = engine;
        return e == null ? 0 : e.landed();
    }

    public MongoMigration(MongoMigrationSettings settings, boolean restart) {
        this.settings = settings;
        this.restart = restart;
        this.source = new MongoCollectionSource(settings.source(), settings.collection(), settings.mapping());
        this.target = DynamoDbClients.create(settings.target(), settings.writeConcurrency() + 4);
    }

    /** @param until change-stream mode: "backfill", "in-sync", "drained", or null to run until stopped; ignored in mirror mode */
    public MigrationStatus run(String until, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        try {
            return runLocked(until, progress, onStatus);
        } catch (com.mongodb.MongoException e) {
            throw new CutoverException(ErrorCode.TRANSIENT, "MongoDB at " + settings.source().masked() + " failed: "
                    + MongoSourceUri.mask(String.valueOf(e.getMessage())) + "; run the same command again to resume", e);
        }
    }

    private MigrationStatus runLocked(String until, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        Path dir = settings.stateDir();
        try (StateDirectory lock = StateDirectory.open(dir)) {
            if (restart) {
                lock.clear();
            }
            State state = load(dir).orElse(null);
            if (state != null && (!state.collection().equals(settings.collection()) || !state.targetTable().equals(settings.targetTable())
                    || !state.mode().equals(settings.mode().flag()))) {
                throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds the " + state.mode() + " migration of "
                        + state.collection() + " to " + state.targetTable() + ": pass --restart to discard it, or use another --state-dir");
            }
            source.check();
            long deadBefore = lines(dir.resolve(EngineOptions.DEAD_LETTERS_FILE));
            if (settings.mode() == MongoMigrationSettings.Mode.MIRROR) {
                return runMirror(state, dir, deadBefore, progress, onStatus);
            }
            return runChangeStream(state == null ? prepared() : state, dir, deadBefore, until, progress, onStatus);
        }
    }

    /** A new migration's state, in phase PREPARE (saved by its first move): the ranges' split points are fixed here. */
    private State prepared() {
        long docs = Math.max(0, source.estimatedDocuments());
        int ranges = settings.segments() != null ? settings.segments() : (int) Math.max(1, Math.min(64, docs / DOCUMENTS_PER_RANGE + 1));
        List<String> points = new ArrayList<>();
        for (BsonValue v : source.splitPoints(ranges)) {
            points.add(IdPosition.encodeValue(v));
        }
        return new State("PREPARE", settings.mode().flag(), source.describe(), settings.collection(), settings.targetTable(),
                settings.cut() == null ? null : settings.cut().toString(), points, 0, 0);
    }

    private void prepareTarget() {
        // throttles, 5xx, timeouts and a CreateTable whose response was lost are retried: ensure is idempotent
        retry.execute("preparing target table " + settings.targetTable(), attempt -> {
            MongoTargetTable.ensure(target, settings.targetTable(), source);
            return null;
        }, new DynamoDbErrorClassifier(settings.target()), io.cutover.core.retry.RetryListener.NONE);
    }

    private DynamoDbTableSink sink() {
        return new DynamoDbTableSink(target, settings.target(), settings.targetTable(), settings.writeConcurrency(), settings.maxWriteRate(),
                retry, retry, this::prepareTarget);
    }

    private MongoSourceConnector connector(State state, com.mongodb.ReadConcern readConcern) {
        return new MongoSourceConnector(source, settings.targetTable(), settings.stateDir().resolve("backfill"), state.splitPoints(),
                state.cut(), settings.pageSize(), settings.parallelism(), readConcern);
    }

    private MigrationStatus runChangeStream(State state, Path dir, long deadBefore, String until, CopyProgress progress,
                                            Consumer<MigrationStatus> onStatus) {
        JsonPhaseJournal<State> journal = new JsonPhaseJournal<>(dir.resolve(STATE_FILE), state, MOVES);
        EngineOptions options = EngineOptions.forward(dir).withVersionRule(versionRule, false).withFence(applyAllowed);
        PhaseMachine machine = new PhaseMachine(connector(state, com.mongodb.ReadConcern.MAJORITY), sink(), journal,
                () -> SqliteChangeLog.open(dir.resolve("changes.db")), s -> status(journal.state(), s, deadBefore), options);
        engine = machine;
        if (stop) {
            machine.requestStop();
        }
        return machine.run(until, false, progress, onStatus);
    }

    private MigrationStatus runMirror(State state, Path dir, long deadBefore, CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        if (state == null) {
            prepareTarget();
            state = prepared().with("BACKFILL");
            save(dir, state);
        }
        String cut = settings.cut() == null ? null : settings.cut().toString();
        if (!java.util.Objects.equals(state.cut(), cut)) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds a backfill "
                    + (state.cut() == null ? "of every document" : "up to " + state.cut()) + ", not " + (cut == null ? "of every document" : cut)
                    + ": pass the same --until, or --restart");
        }
        try (FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve(EngineOptions.DEAD_LETTERS_FILE));
             DynamoDbBatchWriter writer = (DynamoDbBatchWriter) sink().bulkWriter(dead)) {
            onStatus.accept(mirrorStatus(state, deadBefore + dead.count()));
            if (state.phase().equals("BACKFILL")) {
                ReadBackWriter settled = new ReadBackWriter(writer, source);
                Backfill backfill = connector(state, com.mongodb.ReadConcern.DEFAULT).backfill(dead);
                mirrorBackfill = backfill;
                if (stop) {
                    backfill.requestStop();
                }
                Backfill.BackfillResult copied;
                try {
                    copied = backfill.run(settled, progress);
                } finally {
                    mirrorBackfill = null;
                }
                LOG.info("backfill rewrote {} items that the mirror changed while they were copied", settled.rewritten());
                if (!copied.complete()) {
                    return saveStatus(mirrorStatus(state, deadBefore + dead.count()));
                }
                state = state.backfilled("BACKFILLED", copied.items(), copied.deadLettered());
                save(dir, state);
            }
            MigrationStatus done = saveStatus(mirrorStatus(state, deadBefore + dead.count()));
            onStatus.accept(done);
            return done;
        }
    }

    private static long lines(Path file) {
        if (!Files.exists(file)) {
            return 0;
        }
        try (var l = Files.lines(file)) {
            return l.count();
        } catch (IOException e) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    // Every dead letter of every run is a line of dead-letters.jsonl: unmappable documents (backfill and capture) and items
    // DynamoDB refused. A document dead-lettered again after a crash counts twice.
    private static MigrationStatus status(State state, EngineSnapshot s, long deadBefore) {
        Map<String, String> positions = new LinkedHashMap<>();
        if (s.log() != null) {
            for (PartitionPosition p : s.log().positions().values()) {
                positions.put(p.partition(), String.valueOf(p.lastPosition()));
            }
        }
        return MigrationStatus.of(s.phase(), state.source(), state.targetTable(), state.mode(), state.backfillItems(), s.log(), s.stats(),
                s.rate(), positions).withDeadLettered(deadBefore + s.deadLettered()).withVersionRule(s.olderRefused(), 0, s.fenced());
    }

    private static MigrationStatus mirrorStatus(State state, long dead) {
        Map<String, String> positions = new LinkedHashMap<>();
        positions.put("mirror", state.cut() == null ? "every document" : "documents with " + state.cut());
        return MigrationStatus.of(state.phase(), state.source(), state.targetTable(), state.mode(), state.backfillItems(), null, null, 0,
                positions).withDeadLettered(dead).withVersionRule(0, 0, false);
    }

    private MigrationStatus saveStatus(MigrationStatus status) {
        JsonStateFile.tryWrite(settings.stateDir().resolve(EngineOptions.STATUS_FILE), status);
        return status;
    }

    public static Optional<State> load(Path dir) {
        return JsonStateFile.read(dir.resolve(STATE_FILE), State.class, "; it may belong to another kind of migration: pass --restart, or use another --state-dir");
    }

    private static void save(Path dir, State state) {
        JsonStateFile.write(dir.resolve(STATE_FILE), state);
    }

    /** Stops after the writes in flight are acknowledged; the next run resumes from the same phase. */
    public void requestStop() {
        stop = true;
        PhaseMachine e = engine;
        if (e != null) {
            e.requestStop();
        }
        Backfill b = mirrorBackfill;
        if (b != null) {
            b.requestStop();
        }
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
