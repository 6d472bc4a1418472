package io.cutover.sql.migrate;

import io.cutover.core.CutoverException;
import io.cutover.core.ErrorCode;
import io.cutover.core.changelog.ChangeLog;
import io.cutover.core.checkpoint.FileCheckpointStore;
import io.cutover.core.copy.CopyProgress;
import io.cutover.core.copy.ItemUnit;
import io.cutover.core.deadletter.DeadLetterSink;
import io.cutover.core.engine.Backfill;
import io.cutover.core.engine.Capture;
import io.cutover.core.engine.SourceConnector;
import io.cutover.core.engine.UnitBackfill;
import io.cutover.core.retry.RetryPolicy;
import io.cutover.core.throttle.Throttle;
import io.cutover.sql.capture.ChangeLogOffsetStore;
import io.cutover.sql.capture.DebeziumCapture;
import io.cutover.sql.capture.ReplicationSlots;
import io.cutover.sql.capture.SourceFence;
import io.cutover.sql.mapping.RowMapper;
import io.cutover.sql.source.KeyRangeUnit;
import io.cutover.sql.source.KeyRanges;
import io.cutover.sql.source.KeysetPosition;
import io.cutover.sql.source.SqlEndpoint;
import io.cutover.sql.source.SqlTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A PostgreSQL or MySQL/MariaDB table as the side a live migration reads (docs/decisions/0240-one-engine.md): Debezium
 * capture (no snapshot) into the change log, from a replication slot made in PREPARE (PostgreSQL) or from the binlog
 * position recorded with the first event (MySQL family, decision 0021); the backfill is the table's primary-key ranges,
 * whose split points are fixed in the state file. Drained means capture reached the source's position read at that
 * moment (a {@link SourceFence}).
 */
final class SqlSourceConnector implements SourceConnector {
    private static final Logger LOG = LoggerFactory.getLogger(SqlSourceConnector.class);
    /** How long the drained fence waits without capture moving at all before it gives up (it waits as long as capture moves). */
    private static final long FENCE_WAIT_MILLIS = 120_000;
    /** No progress for this long during the drained fence: capture is started again (see {@link DebeziumCapture#restartStalled}). */
    private static final long FENCE_KICK_MILLIS = 45_000;
    /** How long the finish waits for the server to release the slot after capture closed. */
    private static final long SLOT_RELEASE_MILLIS = 30_000;

    /**
     * What the connector reads from and where it keeps things.
     *
     * @param slot                 the replication slot (PostgreSQL), or "binlog"
     * @param publication          the publication (PostgreSQL), or null
     * @param serverId             the binlog client's server id (MySQL family)
     * @param bounds               the key ranges' split points, encoded: computed and saved on the first call
     * @param refuseSchemaChanges  stop capture at a schema change (a SQL target: decision 0200)
     * @param beforeCaptureBatch   run by capture before each batch is made durable (fault injection)
     */
    record Setup(SqlTable table, RowMapper mapper, String targetTable, Path stateDir, String slot, String publication, long serverId,
                 Supplier<List<String>> bounds, int pageSize, int parallelism, boolean refuseSchemaChanges, Runnable beforeCaptureBatch) {
    }

    private final Setup setup;
    private final SqlTable table;
    private final RetryPolicy retry = RetryPolicy.defaults();
    private volatile DebeziumCapture capture;

    SqlSourceConnector(Setup setup) {
        this.setup = setup;
        this.table = setup.table();
    }

    private boolean postgres() {
        return table.endpoint().flavor() == SqlEndpoint.Flavor.POSTGRESQL;
    }

    @Override
    public void prepare() {
        if (postgres()) {
            ReplicationSlots.create(table, setup.slot(), setup.publication());
        }
    }

    @Override
    public void check() {
        if (postgres()) {
            String slot = setup.slot();
            sourceRetry("check replication slot " + slot, () -> {
                ReplicationSlots.requireSlot(table, slot);
                return null;
            });
            sourceRetry("align partitions of " + table.qualifiedName(), () -> ReplicationSlots.alignPartitions(table))
                    .forEach(p -> LOG.info("set REPLICA IDENTITY FULL on partition {}, as its parent has", p));
        }
    }

    /** Events capture could not map, in this run. */
    long deadLettered() {
        DebeziumCapture c = capture;
        return c == null ? 0 : c.deadLettered();
    }

    @Override
    public Capture openCapture(ChangeLog log, DeadLetterSink deadLetters) {
        DebeziumCapture debezium = new DebeziumCapture(table, setup.mapper(), log, deadLetters, setup.slot(), setup.publication(),
                setup.serverId(), setup.stateDir());
        capture = debezium;
        debezium.beforeBatch(setup.beforeCaptureBatch());
        debezium.refuseSchemaChanges(setup.refuseSchemaChanges());
        return new Capture() {
            @Override
            public void start(boolean beforeBackfill) {
                debezium.start();
                debezium.awaitRunning(120_000);
                if (beforeBackfill && table.endpoint().flavor().mysqlFamily()) {
                    awaitFirstPosition(log, debezium);
                }
            }

            @Override
            public CutoverException failure() {
                return debezium.failure();
            }

            @Override
            public boolean awaitCaughtUp(BooleanSupplier stopRequested) {
                // A capture starting again after a lost connection is quiet too, with the last changes still on the server.
                return awaitFence(sourceRetry("read the source's position", () -> SourceFence.mark(table)), debezium, stopRequested);
            }

            @Override
            public void close() {
                debezium.close();
            }
        };
    }

    /**
     * MySQL/MariaDB have no slot: the binlog position is recorded with the first event or heartbeat
     * (decision 0021). Waits for it before the copy starts, so a crash after this point resumes from a
     * position taken before the first row was read.
     */
    private static void awaitFirstPosition(ChangeLog log, DebeziumCapture capture) {
        long end = System.currentTimeMillis() + 30_000;
        while (!log.positions().containsKey(ChangeLogOffsetStore.PARTITION) && System.currentTimeMillis() < end) {
            failOn(capture);
            sleep(50);
        }
        if (!log.positions().containsKey(ChangeLogOffsetStore.PARTITION)) {
            LOG.warn("the binlog position is not recorded yet (no event or heartbeat in 30 s); the copy starts anyway: a crash before the first"
                    + " change is captured restarts capture from the binlog position of that moment");
        } else {
            LOG.info("binlog position recorded before the copy");
        }
    }

    /**
     * Waits until capture made every change up to the source's position {@code fence} durable. Fails, leaving the migration
     * IN_SYNC with its slot, if capture makes no progress for {@link #FENCE_WAIT_MILLIS}; false when a stop was requested.
     */
    private boolean awaitFence(SourceFence fence, DebeziumCapture capture, BooleanSupplier stopRequested) {
        long start = System.currentTimeMillis();
        long end = start + FENCE_WAIT_MILLIS;
        Object seen = capture.durableOffset();
        long lastProgress = start;
        boolean extended = false;
        while (!fence.reachedBy(capture.durableOffset())) {
            failOn(capture);
            if (stopRequested.getAsBoolean()) {
                return false;
            }
            Object now = capture.durableOffset();
            if (!Objects.equals(now, seen)) {
                // still moving (a slow or resetting network, a capture restarting): the wait is for progress, not a deadline
                seen = now;
                lastProgress = System.currentTimeMillis();
                end = lastProgress + FENCE_WAIT_MILLIS;
                extended = false;
            } else if (System.currentTimeMillis() - lastProgress > FENCE_KICK_MILLIS) {
                // The fence's own message reaches every healthy capture; a capture silent this long is stuck (a CI run saw
                // Debezium's task restart hang after a reset): start it again, and give the new one a full wait once.
                capture.restartStalled("made no progress towards the drained fence for " + FENCE_KICK_MILLIS / 1000 + " s");
                lastProgress = System.currentTimeMillis();
                if (!extended) {
                    end = Math.max(end, lastProgress + FENCE_WAIT_MILLIS);
                    extended = true;
                }
            }
            if (System.currentTimeMillis() > end) {
                throw new CutoverException(ErrorCode.TRANSIENT, "capture from " + table.endpoint().describe() + " did not reach the source's"
                        + " current position (" + fence + "): it made no progress for " + FENCE_WAIT_MILLIS / 1000 + " s, so the migration"
                        + " was not finished (it stays IN_SYNC, slot kept): run migrate --until drained again once the source is quiet");
            }
            sleep(20);
        }
        LOG.info("capture reached the source's position {} read after the writers stopped ({} ms later)", fence,
                System.currentTimeMillis() - start);
        return true;
    }

    @Override
    public Backfill backfill(DeadLetterSink deadLetters) {
        List<String> encoded = setup.bounds().get();
        return new UnitBackfill(new FileCheckpointStore(setup.stateDir().resolve("checkpoints")), setup.parallelism(), Throttle.unlimited(),
                new UnitBackfill.Units() {
                    private List<KeyRangeUnit> units = List.of();

                    @Override
                    public List<? extends ItemUnit<Map<String, AttributeValue>>> open(CopyProgress progress) {
                        List<Object> bounds = new ArrayList<>();
                        for (String b : encoded) {
                            bounds.add(KeysetPosition.decode(b).lastKey().get(0));
                        }
                        units = KeyRanges.units(table, setup.mapper(), bounds, setup.pageSize(), deadLetters);
                        progress.tableStarted(table.qualifiedName(), setup.targetTable(), table.estimatedRows(), 0);
                        return units;
                    }

                    @Override
                    public void close() {
                        units.forEach(KeyRangeUnit::close);
                    }
                });
    }

    /** The split points of the table's key ranges, encoded; a dropped connection while they are computed is retried. */
    static List<String> splitPoints(SqlTable table, RowMapper mapper, int ranges, RetryPolicy retry) {
        List<String> bounds = new ArrayList<>();
        var split = retry.execute("split " + table.qualifiedName() + " into key ranges",
                a -> KeyRanges.bounds(table, mapper.schema(), ranges),
                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
        for (Object b : split) {
            bounds.add(new KeysetPosition(List.of(b)).encode());
        }
        return bounds;
    }

    @Override
    public void finish() {
        if (postgres()) {
            awaitSlotReleased();
            ReplicationSlots.drop(table, setup.slot(), setup.publication());
            LOG.info("dropped replication slot {} and publication {}", setup.slot(), setup.publication());
        }
    }

    /**
     * Capture is closed, but the server's walsender can hold the slot a moment longer, and an active slot cannot be dropped
     * ("is active for PID"): waits up to {@link #SLOT_RELEASE_MILLIS} for the server to let it go.
     */
    private void awaitSlotReleased() {
        long end = System.currentTimeMillis() + SLOT_RELEASE_MILLIS;
        while (sourceRetry("check replication slot " + setup.slot(), () -> ReplicationSlots.lag(table, setup.slot()))
                .map(ReplicationSlots.SlotLag::active).orElse(false) && System.currentTimeMillis() < end) {
            sleep(100);
        }
    }

    private static void failOn(DebeziumCapture capture) {
        if (capture.failure() != null) {
            throw capture.failure();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A read of the source retried like any other call (a dropped connection is a blip); STREAM_GAP and the like are not. */
    private <T> T sourceRetry(String what, Supplier<T> call) {
        return sourceRetry(retry, what, call);
    }

    /** As above, with the caller's policy (the migration's start-up check of the source). */
    static <T> T sourceRetry(RetryPolicy retry, String what, Supplier<T> call) {
        return retry.execute(what, a -> call.get(),
                e -> e instanceof CutoverException ce ? ce : new CutoverException(ErrorCode.TRANSIENT, String.valueOf(e), e),
                io.cutover.core.retry.RetryListener.NONE);
    }
}
