package io.cutover.mongodb;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.apply.ApplyStats;
import io.cutover.core.apply.CatchUpLoop;
import io.cutover.core.apply.ChangeApplier;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.changelog.PartitionPosition;
import io.cutover.core.changelog.SqliteChangeLog;
import io.cutover.core.checkpoint.JsonStateFile;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.BulkCopier;
import io.cutover.core.copy.BulkCopyStats;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.TargetWriter;
import io.cutover.core.deadletter.FileDeadLetterSink;
import io.cutover.core.result.MigrationStatus;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.dynamodb.DynamoDbBatchWriter;
import io.cutover.dynamodb.DynamoDbChangeWriter;
import io.cutover.dynamodb.DynamoDbClients;
import io.cutover.dynamodb.DynamoDbErrorClassifier;
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
 * <p>{@link #run} blocks until the requested phase or {@link #requestStop}.
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
    }

    private final MongoMigrationSettings settings;
    private final boolean restart;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private final MongoCollectionSource source;
    private final DynamoDbClient target;
    private volatile boolean stop;
    private volatile BulkCopier<?> copier;
    private volatile Optional<io.cutover.core.version.VersionAttribute> versionRule = Optional.empty();
    private volatile java.util.function.BooleanSupplier applyAllowed = () -> true;
    private volatile boolean fenced;
    private volatile io.cutover.dynamodb.VersionedChangeWriter liveWriter;

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
        io.cutover.dynamodb.VersionedChangeWriter w = liveWriter;
        return w == null ? 0 : w.olderRefused();
    }

    /** Changes the live apply wrote so far in this run (under the version rule). */
    public long landed() {
        io.cutover.dynamodb.VersionedChangeWriter w = liveWriter;
        return w == null ? 0 : w.landed();
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
            deadBefore = lines(dir.resolve("dead-letters.jsonl"));
            try (FileDeadLetterSink dead = new FileDeadLetterSink(dir.resolve("dead-letters.jsonl"));
                 DynamoDbBatchWriter writer = new DynamoDbBatchWriter(target, settings.targetTable(), settings.writeConcurrency(),
                         new Throttle(settings.maxWriteRate()), retry, new DynamoDbErrorClassifier(settings.target()), dead)) {
                deadLetters = dead;
                return settings.mode() == MongoMigrationSettings.Mode.MIRROR
                        ? runMirror(state, dir, writer, dead, progress, onStatus)
                        : runChangeStream(state, dir, writer, dead, until, progress, onStatus);
            }
        }
    }

    private State prepare() {
        // throttles, 5xx, timeouts and a CreateTable whose response was lost are retried: ensure is idempotent
        retry.execute("preparing target table " + settings.targetTable(), attempt -> {
            MongoTargetTable.ensure(target, settings.targetTable(), source);
            return null;
        }, new DynamoDbErrorClassifier(settings.target()), io.cutover.core.retry.RetryListener.NONE);
        long docs = Math.max(0, source.estimatedDocuments());
        int ranges = settings.segments() != null ? settings.segments() : (int) Math.max(1, Math.min(64, docs / DOCUMENTS_PER_RANGE + 1));
        List<String> points = new ArrayList<>();
        for (BsonValue v : source.splitPoints(ranges)) {
            points.add(IdPosition.encodeValue(v));
        }
        return new State("PREPARE", settings.mode().flag(), source.describe(), settings.collection(), settings.targetTable(),
                settings.cut() == null ? null : settings.cut().toString(), points, 0, 0);
    }

    private MigrationStatus runMirror(State state, Path dir, DynamoDbBatchWriter writer, FileDeadLetterSink dead, CopyProgress progress,
                                      Consumer<MigrationStatus> onStatus) {
        if (state == null) {
            state = prepare().with("BACKFILL");
            save(dir, state);
        }
        String cut = settings.cut() == null ? null : settings.cut().toString();
        if (!java.util.Objects.equals(state.cut(), cut)) {
            throw new CutoverException(ErrorCode.STATE_CONFLICT, "--state-dir " + dir + " holds a backfill "
                    + (state.cut() == null ? "of every document" : "up to " + state.cut()) + ", not " + (cut == null ? "of every document" : cut)
                    + ": pass the same --until, or --restart");
        }
        onStatus.accept(status(state, null, null));
        if (state.phase().equals("BACKFILL")) {
            ReadBackWriter settled = new ReadBackWriter(writer, source);
            BulkCopyStats copied = backfill(state, settled, dead, progress);
            LOG.info("backfill rewrote {} items that the mirror changed while they were copied", settled.rewritten());
            if (copied.stopped()) {
                return saveStatus(status(state, null, null));
            }
            state = new State("BACKFILLED", state.mode(), state.source(), state.collection(), state.targetTable(), state.cut(),
                    state.splitPoints(), state.backfillItems() + copied.items(), state.backfillDeadLettered() + copied.deadLettered() + unmappedCount);
            save(dir, state);
        }
        MigrationStatus done = saveStatus(status(state, null, null));
        onStatus.accept(done);
        return done;
    }

    private volatile long unmappedCount;
    private volatile long deadBefore;
    private volatile FileDeadLetterSink deadLetters;

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

    private BulkCopyStats backfill(State state, TargetWriter writer, FileDeadLetterSink dead, CopyProgress progress) {
        List<BsonValue> points = new ArrayList<>();
        for (String p : state.splitPoints()) {
            points.add(IdPosition.decodeValue(p));
        }
        java.util.concurrent.atomic.AtomicLong unmapped = new java.util.concurrent.atomic.AtomicLong();
        // change streams report majority-committed changes only: the backfill reads the same committed view (mirror mode
        // reads its own just-acknowledged writes back, so it keeps the default)
        com.mongodb.ReadConcern readConcern = settings.mode() == MongoMigrationSettings.Mode.MIRROR ? com.mongodb.ReadConcern.DEFAULT
                : com.mongodb.ReadConcern.MAJORITY;
        List<IdRangeUnit> units = source.units(points, state.cut() == null ? null : CutFilter.parse(state.cut()), settings.pageSize(), u -> {
            IdRangeUnit.deadLetterTo(dead, settings.targetTable(), source.mapper()).accept(u);
            unmapped.incrementAndGet();
        }, readConcern);
        progress.tableStarted(source.describe(), settings.targetTable(), source.estimatedDocuments(), 0);
        var c = new BulkCopier<>(new FileCheckpointStore(settings.stateDir().resolve("backfill")), "backfill", writer,
                settings.parallelism(), new Throttle(0), progress);
        copier = c;
        if (stop) {
            c.requestStop();
        }
        try {
            BulkCopyStats stats = c.run(units);
            unmappedCount = unmapped.get();
            return stats;
        } finally {
            copier = null;
        }
    }

    private MigrationStatus runChangeStream(State state, Path dir, DynamoDbBatchWriter writer, FileDeadLetterSink dead, String until,
                                            CopyProgress progress, Consumer<MigrationStatus> onStatus) {
        try (SqliteChangeLog log = SqliteChangeLog.open(dir.resolve("changes.db"));
             MongoChangeStreamCapture capture = new MongoChangeStreamCapture(source, log, dead, settings.targetTable())) {
            if (state == null) {
                state = prepare();
                // the stream's position is durable in the log before the phase says CAPTURE, so before any document is read
                capture.open();
                state = state.with("CAPTURE");
                save(dir, state);
            } else {
                capture.open();
            }
            capture.start();
            if (state.phase().equals("CAPTURE")) {
                state = state.with("BACKFILL");
                save(dir, state);
            }
            if (state.phase().equals("BACKFILL")) {
                onStatus.accept(status(state, log, null));
                BulkCopyStats copied = backfillWatching(state, writer, dead, progress, capture);
                failOn(capture);
                if (copied.stopped()) {
                    return saveStatus(status(state, log, null));
                }
                state = new State("CATCH_UP", state.mode(), state.source(), state.collection(), state.targetTable(), state.cut(),
                        state.splitPoints(), state.backfillItems() + copied.items(), state.backfillDeadLettered() + copied.deadLettered() + unmappedCount);
                save(dir, state);
            }
            if ("backfill".equals(until)) {
                return saveStatus(status(state, log, null));
            }
            try (io.cutover.dynamodb.VersionedChangeWriter versioned = versionRule.map(v -> new io.cutover.dynamodb.VersionedChangeWriter(
                    target, settings.targetTable(), v, settings.writeConcurrency(), new Throttle(settings.maxWriteRate()), retry,
                    new DynamoDbErrorClassifier(settings.target()), dead)).orElse(null)) {
                liveWriter = versioned;
                ChangeApplier applier = new ChangeApplier(log, versioned != null ? versioned : new DynamoDbChangeWriter(writer), 1000,
                        System::currentTimeMillis);
                return apply(state, log, capture, applier, until, onStatus);
            }
        }
    }

    private BulkCopyStats backfillWatching(State state, TargetWriter writer, FileDeadLetterSink dead, CopyProgress progress,
                                           MongoChangeStreamCapture capture) {
        java.util.concurrent.ScheduledExecutorService watch = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cutover-capture-watch");
            t.setDaemon(true);
            return t;
        });
        watch.scheduleAtFixedRate(() -> {
            BulkCopier<?> c = copier;
            if (capture.failure() != null && c != null) {
                c.requestStop();
            }
        }, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
        try {
            return backfill(state, writer, dead, progress);
        } finally {
            watch.shutdownNow();
        }
    }

    private MigrationStatus apply(State initial, ChangeLog log, MongoChangeStreamCapture capture, ChangeApplier applier, String until,
                                  Consumer<MigrationStatus> onStatus) {
        State[] state = {initial};
        while (true) {
            CatchUpLoop.run(log, applier, until, new CatchUpLoop.Host(() -> failOn(capture), () -> stop, () -> state[0].phase(),
                    () -> {
                        state[0] = state[0].with("IN_SYNC");
                        save(settings.stateDir(), state[0]);
                    }, rate -> onStatus.accept(saveStatus(status(state[0], log, applier.stats()))), this::fenceOpen));
            if (!"drained".equals(until) || stop || caughtUp(capture, log)) {
                break;
            }
            LOG.info("quiet, but the change stream had not caught up with the source yet: applying on");
        }
        return saveStatus(status(state[0], log, applier.stats()));
    }

    /**
     * Drained means caught up with the source, not only quiet: a poll of the change stream that began
     * after now must come back empty with nothing new in the log (else the loop runs again).
     */
    private boolean caughtUp(MongoChangeStreamCapture capture, ChangeLog log) {
        long size = log.size();
        long now = System.nanoTime();
        while (!capture.awaitCaughtUp(now, 5_000)) {
            failOn(capture);
            if (stop) {
                return false;
            }
            LOG.info("waiting for the change stream to answer (a slow or half-open connection ends at the driver's read timeout)");
        }
        return log.size() == size && log.lastSequence() == log.applied();
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

    private static void failOn(MongoChangeStreamCapture capture) {
        if (capture.failure() != null) {
            throw capture.failure();
        }
    }

    private MigrationStatus status(State state, ChangeLog log, ApplyStats stats) {
        Map<String, String> positions = new LinkedHashMap<>();
        if (log != null) {
            for (PartitionPosition p : log.positions().values()) {
                positions.put(p.partition(), String.valueOf(p.lastPosition()));
            }
        } else {
            positions.put("mirror", state.cut() == null ? "every document" : "documents with " + state.cut());
        }
        // Every dead letter of every run is a line of dead-letters.jsonl: unmappable documents (backfill and
        // capture) and items DynamoDB refused. A document dead-lettered again after a crash counts twice.
        FileDeadLetterSink sink = deadLetters;
        long dead = deadBefore + (sink == null ? 0 : sink.count());
        return MigrationStatus.of(state.phase(), state.source(), state.targetTable(), state.mode(), state.backfillItems(), log, stats, 0,
                positions).withDeadLettered(dead).withVersionRule(olderRefused(), 0, fenced);
    }

    private MigrationStatus saveStatus(MigrationStatus status) {
        JsonStateFile.tryWrite(settings.stateDir().resolve("status.json"), status);
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
        BulkCopier<?> c = copier;
        if (c != null) {
            c.requestStop();
        }
    }

    @Override
    public void close() {
        source.close();
        target.close();
    }
}
